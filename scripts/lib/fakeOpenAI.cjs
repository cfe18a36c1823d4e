// A local server that speaks the OpenAI chat completions API as the openai SDK calls it, writes
// well-formed quiz questions from the request's DATA, and injects faults on demand. Tests and the
// bench point OPENAI_BASE_URL at it; nothing in our code knows it is not the real thing.
//
// Control (JSON): POST /_control/faults {theme, faults:[…]} queues faults for calls whose DATA.theme
// matches, consumed one per call; GET /_control/calls?theme=… counts calls; POST /_control/reset;
// POST /_control/repeat {theme, ratio} makes that share of a theme's questions repeat earlier ones.
// usage.prompt_tokens_details.cached_tokens reports a system message seen before as cached.
// Fault kinds: {kind:'status', status, retryAfter?, body?}, {kind:'hang', ms}, {kind:'malformed'},
// {kind:'invalid'}, {kind:'refusal'}, {kind:'length'}, {kind:'delay', ms}.
'use strict';
const http = require('node:http');

// Plain sentences in the requested language, without the theme: the quality gate's language check
// must judge real words, not a test's random theme.
const LOCALIZED = {
  fr: { tf: ['Vrai', 'Faux'], prompt: (n) => `Dans ce quiz, laquelle des options suivantes est la bonne réponse à la question numéro ${n} ?`, why: (n, k) => `La bonne réponse à la question ${n} est le choix ${k}.` },
  es: { tf: ['Verdadero', 'Falso'], prompt: (n) => `En este cuestionario, ¿cuál de las siguientes opciones es la respuesta correcta a la pregunta número ${n}?`, why: (n, k) => `La respuesta correcta a la pregunta ${n} es la opción ${k}.` },
  en: { tf: ['True', 'False'], prompt: (n) => `In this quiz, which of the following options is the correct answer to question number ${n}?`, why: (n, k) => `The correct answer to question ${n} is choice ${k}.` },
};

function dataOf(messages) {
  for (let i = messages.length - 1; i >= 0; i--) {
    const match = /DATA = (\{.*\})$/s.exec(typeof messages[i].content === 'string' ? messages[i].content : '');
    if (match) return JSON.parse(match[1]);
  }
  return undefined;
}

async function startFakeOpenAI({ port = 0 } = {}) {
  const faults = new Map(); // theme -> queued faults
  const calls = []; // { theme, count, repair, at }
  const serials = new Map(); // theme -> questions written so far, so every call brings new ones
  const seenSystemPrompts = new Set(); // prompt caching: a repeated system message is reported as cached
  const repeats = new Map(); // theme -> fraction of questions that repeat an earlier one (a realistic model)

  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url, 'http://localhost');
    const json = (status, value, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };

    if (url.pathname === '/_control/reset') {
      faults.clear();
      calls.length = 0;
      return json(200, { ok: true });
    }
    if (url.pathname === '/_control/faults') {
      const { theme, faults: list } = JSON.parse(body);
      faults.set(theme, [...(faults.get(theme) ?? []), ...list]);
      return json(200, { ok: true });
    }
    if (url.pathname === '/_control/repeat') {
      const { theme, ratio } = JSON.parse(body);
      repeats.set(theme, Number(ratio));
      return json(200, { ok: true });
    }
    if (url.pathname === '/_control/calls') {
      const theme = url.searchParams.get('theme');
      const mine = calls.filter((call) => theme === null || call.theme === theme);
      return json(200, { calls: mine.length, repairs: mine.filter((c) => c.repair).length, counts: mine.map((c) => c.count) });
    }
    if (req.method !== 'POST' || !url.pathname.endsWith('/chat/completions')) {
      return json(404, { error: { message: `no route ${req.method} ${url.pathname}`, type: 'invalid_request_error' } });
    }
    if (!/^Bearer .+/.test(req.headers.authorization ?? '')) {
      return json(401, { error: { message: 'Missing API key', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }

    const request = JSON.parse(body);
    const data = dataOf(request.messages) ?? { count: 1, theme: 'unknown', type: 'mcq', language: 'English (en)', difficulty: 'medium' };
    const theme = data.theme;
    const repair = request.messages.some((m) => m.role === 'assistant');
    calls.push({ theme, count: data.count, repair, at: Date.now() });
    const fault = faults.get(theme)?.shift();

    if (fault?.kind === 'status') {
      const headers = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      const type = fault.status === 429 ? 'rate_limit_exceeded' : 'server_error';
      return json(fault.status, fault.body ?? { error: { message: `injected ${fault.status}`, type, code: type } }, headers);
    }
    if (fault?.kind === 'hang') {
      await new Promise((resolve) => setTimeout(resolve, fault.ms ?? 600_000));
      if (res.destroyed) return undefined;
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));

    const lang = /\((\w\w)\)$/.exec(data.language ?? '')?.[1] ?? 'en';
    const words = LOCALIZED[lang] ?? LOCALIZED.en;
    const start = serials.get(theme) ?? 0;
    serials.set(theme, start + data.count);
    const repeatRatio = repeats.get(theme) ?? 0;
    const questions = Array.from({ length: data.count }, (_, i) => {
      // With a repeat ratio, that share of questions (spread evenly) is one written before.
      const fresh = start + i + 1;
      const repeated = repeatRatio > 0 && fresh > 1 && Math.floor(fresh * repeatRatio) > Math.floor((fresh - 1) * repeatRatio);
      const n = repeated ? 1 + (fresh % Math.max(1, start)) : fresh;
      const choices = data.type === 'true_false' ? words.tf : [`Alpha ${n}`, `Bravo ${n}`, `Charlie ${n}`, `Delta ${n}`];
      return {
        prompt: words.prompt(n),
        choices,
        answerIndex: n % choices.length,
        explanation: words.why(n, n % choices.length),
        difficulty: data.difficulty ?? 'medium',
      };
    });
    let content = JSON.stringify({ questions });
    let finishReason = 'stop';
    let refusal = null;
    if (fault?.kind === 'malformed') content = `${content.slice(0, Math.floor(content.length / 2))}, oops`;
    if (fault?.kind === 'invalid') content = JSON.stringify({ questions: questions.map((q) => ({ ...q, answerIndex: 'first' })) });
    if (fault?.kind === 'length') {
      content = content.slice(0, Math.floor(content.length / 3));
      finishReason = 'length';
    }
    if (fault?.kind === 'refusal') {
      content = null;
      refusal = "I'm sorry, I can't help with that.";
    }
    const promptTokens = Math.ceil(JSON.stringify(request.messages).length / 4);
    const completionTokens = Math.ceil((content ?? refusal).length / 4);
    // Prompt caching as OpenAI reports it: a system message seen before is served from the cache.
    const system = request.messages.find((m) => m.role === 'system')?.content ?? '';
    const cachedTokens = seenSystemPrompts.has(system) ? Math.ceil(JSON.stringify([{ role: 'system', content: system }]).length / 4) : 0;
    seenSystemPrompts.add(system);
    return json(200, {
      id: `chatcmpl-${calls.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal }, logprobs: null, finish_reason: finishReason }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens, prompt_tokens_details: { cached_tokens: Math.min(cachedTokens, promptTokens) } },
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}

module.exports = { startFakeOpenAI };
