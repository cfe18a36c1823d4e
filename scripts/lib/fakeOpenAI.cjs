// A local server that speaks the OpenAI chat completions API as the openai SDK calls it, writes
// well-formed quiz questions from the request's DATA, and injects faults on demand. Tests and the
// bench point OPENAI_BASE_URL at it; nothing in our code knows it is not the real thing.
//
// Control (JSON): POST /_control/faults {theme, faults:[…]} queues faults for calls whose DATA.theme
// matches, consumed one per call; GET /_control/calls?theme=… counts calls (and the tokens each billed, verification calls apart: 0 for an error status); POST /_control/reset;
// POST /_control/repeat {theme, ratio} makes that share of a theme's questions repeat earlier ones
// (except those the request lists in its EXISTING message).
// usage.prompt_tokens_details.cached_tokens reports a system message seen before as cached.
// Batch API: POST /v1/files (multipart, purpose=batch), GET /v1/files/{id}/content, POST /v1/batches,
// GET /v1/batches (list, newest first), GET /v1/batches/{id}, POST /v1/batches/{id}/cancel; a batch moves one status step every
// FAKE_OPENAI_BATCH_STEP_MS (150). POST /_control/batch-fault {theme, kind: validation|expired|error-lines|
// retrieve-error, ratio?} applies to the next batch whose lines ask for that theme (retrieve-error: GET
// /v1/batches/{id} answers 500); GET /_control/batch-stats?theme= counts batches, lines, output
// downloads, cancels and lines billed (answered in a completed batch). A cancel moves a running batch to 'cancelling', then 'cancelled' with the
// output of the lines it finished (none: the fake works all lines at the end).
// Fault kinds: {kind:'status', status, retryAfter?, body?}, {kind:'hang', ms}, {kind:'malformed'},
// {kind:'invalid'}, {kind:'refusal'}, {kind:'length'}, {kind:'delay', ms}.
// Realistic faults (issue 17): POST /_control/quality {theme, wrongKey, ambiguous, positionBias:[w…],
// longestKey} makes that share of a theme's questions carry a wrong key or a second defensible
// answer, puts keys at positions by those weights, and makes that share of keys the only longest
// choice. Every question written is remembered with its truth; POST /_control/truths {items:[{prompt,
// choices, correct:[i…], timeSensitive?, unverifiable?}]} teaches it others (a labelled set).
// GET /_control/truths?theme= lists what was written: prompt, correct choices, the key given, flaw.
// Verification calls (response_format json_schema named "quiz_verdicts", items in an ITEMS message) are
// answered from that truth, right with POST /_control/verifier {accuracy} (1 by default); a wrong
// verdict picks a wrong choice and misses defects. Faults for them queue under the theme "verify:<theme>".
// Embeddings (issue 17 §6): POST /v1/embeddings answers as the API does (float or base64, `dimensions`,
// usage.prompt_tokens) with vectors from a simulated semantic model (fakeEmbeddings.cjs: a concept
// lexicon, not the labelled sets). Faults queue under the theme "embeddings:<model>";
// GET /_control/embeddings?model= counts calls, inputs and tokens.
'use strict';
const http = require('node:http');
const { createHash } = require('node:crypto');
const fakeEmbeddings = require('./fakeEmbeddings.cjs');

/** A stable number in [0, 1) for a string: the fake's choices are reproducible, not random. */
function unit(text) {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

/** Prompts compared as a player reads them: case and spacing do not matter. */
function norm(text) {
  return String(text).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

// Choice words of different lengths, so which choice is longest varies as it does in real items.
const CHOICE_WORDS = ['Oslo', 'Lima', 'Quito', 'Dakar', 'Nairobi', 'Caracas', 'Canberra', 'Reykjavik', 'Kathmandu', 'Montevideo', 'Ulaanbaatar', 'Antananarivo'];

function pickByWeights(weights, r) {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (const [i, w] of weights.entries()) {
    acc += w / total;
    if (r < acc) return i;
  }
  return weights.length - 1;
}

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

/** The stems a request shows as already in the pool (the EXISTING message), as the model would read them. */
function existingOf(messages) {
  const shown = new Set();
  for (const message of messages) {
    const match = /EXISTING = (\[.*\])$/s.exec(typeof message.content === 'string' ? message.content : '');
    if (match) for (const stem of JSON.parse(match[1])) shown.add(String(stem).slice(0, 100));
  }
  return shown;
}

async function startFakeOpenAI({ port = 0 } = {}) {
  const faults = new Map(); // theme -> queued faults
  const calls = []; // { theme, count, repair, at }
  const serials = new Map(); // theme -> questions written so far, so every call brings new ones
  const seenSystemPrompts = new Set(); // prompt caching: a repeated system message is reported as cached
  const repeats = new Map(); // theme -> fraction of questions that repeat an earlier one (a realistic model)
  // Batch API: files, batches (time compressed: one status step every BATCH_STEP_MS), faults by theme.
  const files = new Map(); // id -> { content, purpose, filename }
  const batches = new Map(); // id -> { batch, theme, fault, createdMs, lines }
  const batchFaults = new Map(); // theme -> { kind: 'validation' | 'expired' | 'error-lines', ratio? }
  const downloads = new Map(); // theme -> file content downloads
  const cancels = new Map(); // theme -> cancel calls that stopped a running batch
  const billed = new Map(); // theme -> tokens billed: live calls (writer and verifier) and Batch API output lines
  const bill = (theme, tokens) => billed.set(theme, (billed.get(theme) ?? 0) + tokens);
  const BATCH_STEP_MS = Number(process.env.FAKE_OPENAI_BATCH_STEP_MS ?? 150);
  let nextId = 1;
  const qualities = new Map(); // theme -> { wrongKey, ambiguous, positionBias, longestKey }
  const truths = new Map(); // normalized prompt -> { correct: [texts], keyText, theme, flaw, timeSensitive, unverifiable }
  let verifierAccuracy = 1;
  const verifyCalls = []; // { theme, items }
  const embeddingCalls = []; // { model, inputs, tokens }

  /** The n-th question of a theme as the configured model writes it, and the truth behind it. */
  function writeQuestion(theme, data, words, n) {
    const quality = qualities.get(theme);
    const tf = data.type === 'true_false';
    if (!quality) {
      const choices = tf ? words.tf : [`Alpha ${n}`, `Bravo ${n}`, `Charlie ${n}`, `Delta ${n}`];
      return { question: { prompt: words.prompt(n), choices, answerIndex: n % choices.length, explanation: words.why(n, n % choices.length), difficulty: data.difficulty ?? 'medium' }, truth: { correct: [choices[n % choices.length]], flaw: 'none' } };
    }
    const r = (tag) => unit(`${theme}|${n}|${tag}`);
    const k = tf ? 2 : 4;
    let choices;
    if (tf) choices = [...words.tf];
    else {
      const pool = [...CHOICE_WORDS];
      choices = Array.from({ length: 4 }, (_, i) => `${pool.splice(Math.floor(r(`w${i}`) * pool.length), 1)[0]} ${n}`);
    }
    const weights = quality.positionBias?.length === k ? quality.positionBias : Array(k).fill(1);
    const t = pickByWeights(weights, r('position'));
    if (!tf && r('longest') < (quality.longestKey ?? 0)) {
      const longest = Math.max(...choices.map((c) => c.length));
      choices[t] = `${choices[t]} Prime`.padEnd(longest + 3, 'x');
    }
    const flawDraw = r('flaw');
    let answerIndex = t;
    let correct = [t];
    let flaw = 'none';
    if (flawDraw < (quality.wrongKey ?? 0)) {
      answerIndex = (t + 1 + Math.floor(r('wrong') * (k - 1))) % k;
      flaw = 'wrong-key';
    } else if (!tf && flawDraw < (quality.wrongKey ?? 0) + (quality.ambiguous ?? 0)) {
      correct = [t, (t + 1 + Math.floor(r('second') * (k - 1))) % k];
      flaw = 'ambiguous';
    }
    return {
      question: { prompt: words.prompt(n), choices, answerIndex, explanation: words.why(n, answerIndex), difficulty: data.difficulty ?? 'medium' },
      truth: { correct: correct.map((i) => choices[i]), flaw },
    };
  }

  /** A verification call: each item answered blind from the truth, right with the set accuracy. */
  function verdictsFor(request, theme) {
    // ITEMS as the verifier writes them: "[id] question" then "n) choice" lines.
    const last = [...request.messages].reverse().find((m) => typeof m.content === 'string' && m.content.startsWith('ITEMS\n'));
    const items = [];
    for (const line of (last?.content ?? '').split('\n').slice(1)) {
      const head = /^\[(\d+)\] (.*)$/.exec(line);
      if (head) items.push({ id: Number(head[1]), prompt: head[2], choices: [] });
      else if (items.length > 0) items[items.length - 1].choices.push(line.replace(/^\d+\) /, ''));
    }
    return items.map((item) => {
      // The verifier names the pool's theme in DATA: the same stem may exist in two themes.
      const truth = truths.get(`${theme}|${norm(item.prompt)}`) ?? truths.get(norm(item.prompt));
      if (!truth) return { id: item.id, answer: 0, defect: 'unverifiable' };
      const shownCorrect = item.choices.map((c, i) => (truth.correct.includes(c) ? i : -1)).filter((i) => i >= 0);
      // Same input, same verdict (temperature 0); another order of the choices is another draw.
      const r = unit(`verify|${item.prompt}|${item.choices.join('|')}`);
      if (r < verifierAccuracy && shownCorrect.length > 0) {
        const defect = truth.unverifiable ? 'unverifiable' : truth.timeSensitive ? 'time-sensitive' : shownCorrect.length > 1 ? 'ambiguous' : 'none';
        return { id: item.id, answer: shownCorrect[0], defect };
      }
      // Wrong: a wrong choice, and no defect seen.
      const wrong = item.choices.map((_, i) => i).filter((i) => !shownCorrect.includes(i));
      const answer = wrong.length > 0 ? wrong[Math.floor(unit(`wrong|${item.prompt}|${item.choices.join('|')}`) * wrong.length)] : 0;
      return { id: item.id, answer, defect: 'none' };
    });
  }

  /** One chat completion as the API answers it (faults apply to live calls, not to Batch API lines). */
  async function answer(request, { record = true, res } = {}) {
    const data = dataOf(request.messages) ?? { count: 1, theme: 'unknown', type: 'mcq', language: 'English (en)', difficulty: 'medium' };
    const verifying = request.response_format?.json_schema?.name === 'quiz_verdicts';
    const theme = verifying ? `verify:${data.theme}` : data.theme;
    const repair = request.messages.some((m) => m.role === 'assistant');
    const call = { theme, count: data.count, repair, at: Date.now(), tokens: 0 };
    if (record && verifying) verifyCalls.push(Object.assign(call, { theme: data.theme }));
    if (record && !verifying) calls.push(call);
    const fault = record ? faults.get(theme)?.shift() : undefined;

    if (fault?.kind === 'status') {
      const headers = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      const type = fault.status === 429 ? 'rate_limit_exceeded' : 'server_error';
      return { status: fault.status, body: fault.body ?? { error: { message: `injected ${fault.status}`, type, code: type } }, headers };
    }
    if (fault?.kind === 'hang') {
      await new Promise((resolve) => setTimeout(resolve, fault.ms ?? 600_000));
      if (res?.destroyed) return undefined;
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));

    const lang = /\((\w\w)\)$/.exec(data.language ?? '')?.[1] ?? 'en';
    const words = LOCALIZED[lang] ?? LOCALIZED.en;
    let questions = [];
    let verdicts;
    if (verifying) verdicts = verdictsFor(request, data.theme);
    else {
      const start = serials.get(theme) ?? 0;
      serials.set(theme, start + data.count);
      const repeatRatio = repeats.get(theme) ?? 0;
      const shown = existingOf(request.messages);
      questions = Array.from({ length: data.count }, (_, i) => {
        // With a repeat ratio, that share of questions (spread evenly) is one written before, unless
        // the request showed it as already in the pool (a model told what exists avoids it).
        const fresh = start + i + 1;
        const repeated = repeatRatio > 0 && fresh > 1 && Math.floor(fresh * repeatRatio) > Math.floor((fresh - 1) * repeatRatio);
        const earlier = 1 + (fresh % Math.max(1, start));
        const n = repeated && !shown.has(words.prompt(earlier).slice(0, 100)) ? earlier : fresh;
        const { question, truth } = writeQuestion(theme, data, words, n);
        truths.set(`${theme}|${norm(question.prompt)}`, { ...truth, prompt: norm(question.prompt), keyText: question.choices[question.answerIndex], theme });
        return question;
      });
    }
    // Verdicts as the verifier's prompt asks: "id:answer" and a defect letter, space-separated.
    const codes = { none: '', ambiguous: 'A', 'time-sensitive': 'T', unverifiable: 'U' };
    let content = JSON.stringify(verifying ? { v: verdicts.map((v) => `${v.id}:${v.answer}${codes[v.defect]}`).join(' ') } : { questions });
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
    if (record) bill(data.theme, promptTokens + completionTokens);
    call.tokens = promptTokens + completionTokens;
    return { status: 200, headers: {}, body: {
      id: `chatcmpl-${calls.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal }, logprobs: null, finish_reason: finishReason }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens, prompt_tokens_details: { cached_tokens: Math.min(cachedTokens, promptTokens) } },
    } };
  }

  /** Moves a batch along validating → in_progress → finalizing → completed (or a fault's end) by elapsed time. */
  async function advanceBatch(entry) {
    const { batch } = entry;
    if (['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) return;
    if (batch.status === 'cancelling') {
      batch.status = 'cancelled';
      batch.cancelled_at = Math.floor(Date.now() / 1000);
      return;
    }
    const steps = Math.floor((Date.now() - entry.createdMs) / BATCH_STEP_MS);
    if (steps < 1) return;
    if (entry.fault?.kind === 'validation') {
      batch.status = 'failed';
      batch.errors = { object: 'list', data: [{ code: 'invalid_request', message: 'injected validation failure', line: 1, param: 'body' }] };
      return;
    }
    if (steps < 2) { batch.status = 'in_progress'; return; }
    if (entry.fault?.kind === 'expired') { batch.status = 'expired'; return; }
    if (steps < 3) { batch.status = 'finalizing'; return; }
    const ratio = entry.fault?.kind === 'error-lines' ? Number(entry.fault.ratio ?? 0.5) : 0;
    const output = [];
    const errors = [];
    for (const [i, line] of entry.lines.entries()) {
      if (ratio > 0 && Math.floor((i + 1) * ratio) > Math.floor(i * ratio)) {
        errors.push({ id: `batch_req_${i}`, custom_id: line.custom_id, response: { status_code: 500, request_id: `req_${i}`, body: { error: { message: 'injected line failure', type: 'server_error' } } }, error: null });
        continue;
      }
      const out = await answer(line.body, { record: false });
      if (out.status === 200) bill(entry.theme, out.body.usage.prompt_tokens + out.body.usage.completion_tokens);
      output.push({ id: `batch_req_${i}`, custom_id: line.custom_id, response: { status_code: out.status, request_id: `req_${i}`, body: out.body }, error: null });
    }
    // Output order is not the input order (the real API does not promise it either).
    output.reverse();
    const outputId = `file-${nextId++}`;
    files.set(outputId, { content: output.map((l) => JSON.stringify(l)).join('\n') + '\n', purpose: 'batch_output', theme: entry.theme });
    batch.output_file_id = outputId;
    if (errors.length > 0) {
      const errorId = `file-${nextId++}`;
      files.set(errorId, { content: errors.map((l) => JSON.stringify(l)).join('\n') + '\n', purpose: 'batch_output', theme: entry.theme });
      batch.error_file_id = errorId;
    }
    batch.request_counts = { total: entry.lines.length, completed: output.length, failed: errors.length };
    entry.billedLines = output.length;
    batch.status = 'completed';
  }

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
      const verifying = verifyCalls.filter((call) => theme === null || call.theme === theme);
      const verifications = verifying.length;
      const billedTokens = theme === null ? [...billed.values()].reduce((a, b) => a + b, 0) : billed.get(theme) ?? 0;
      return json(200, { calls: mine.length, repairs: mine.filter((c) => c.repair).length, counts: mine.map((c) => c.count), tokens: mine.map((c) => c.tokens), verifications, verificationTokens: verifying.map((c) => c.tokens), billed: billedTokens });
    }
    if (url.pathname === '/_control/quality') {
      const { theme, ...quality } = JSON.parse(body);
      qualities.set(theme, quality);
      return json(200, { ok: true });
    }
    if (url.pathname === '/_control/verifier') {
      verifierAccuracy = Number(JSON.parse(body).accuracy ?? 1);
      return json(200, { ok: true });
    }
    if (url.pathname === '/_control/truths' && req.method === 'POST') {
      for (const item of JSON.parse(body).items) {
        truths.set(norm(item.prompt), { prompt: norm(item.prompt), correct: item.correct.map((i) => item.choices[i]), keyText: item.choices[item.answerIndex], theme: item.theme, flaw: item.label ?? 'none', timeSensitive: item.timeSensitive, unverifiable: item.unverifiable });
      }
      return json(200, { ok: true });
    }
    if (url.pathname === '/_control/truths') {
      const theme = url.searchParams.get('theme');
      const mine = [...truths.values()].filter((t) => theme === null || t.theme === theme);
      return json(200, { truths: mine });
    }
    // ---- Batch API (files + batches), as openai-node calls it.
    if (url.pathname === '/_control/batch-fault') {
      const { theme, ...fault } = JSON.parse(body);
      batchFaults.set(theme, fault);
      return json(200, { ok: true });
    }
    if (url.pathname === '/_control/batch-stats') {
      const theme = url.searchParams.get('theme');
      const mine = [...batches.values()].filter((b) => b.theme === theme);
      return json(200, { batches: mine.length, downloads: downloads.get(theme) ?? 0, lines: mine.reduce((n, b) => n + b.lines.length, 0), cancels: cancels.get(theme) ?? 0, billedLines: mine.reduce((n, b) => n + (b.billedLines ?? 0), 0) });
    }
    if (url.pathname === '/v1/files' && req.method === 'POST') {
      const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers['content-type'] ?? '');
      if (!boundary) return json(400, { error: { message: 'expected multipart/form-data', type: 'invalid_request_error' } });
      const parts = body.split(`--${boundary[1] ?? boundary[2]}`);
      const field = (name) => {
        const part = parts.find((p) => new RegExp(`name="${name}"`).test(p.slice(0, p.indexOf('\r\n\r\n'))));
        return part === undefined ? undefined : part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
      };
      const content = field('file');
      const purpose = field('purpose');
      if (content === undefined || purpose !== 'batch') return json(400, { error: { message: 'file and purpose=batch required', type: 'invalid_request_error' } });
      const id = `file-${nextId++}`;
      files.set(id, { content, purpose, filename: 'batch.jsonl' });
      return json(200, { id, object: 'file', bytes: Buffer.byteLength(content), created_at: Math.floor(Date.now() / 1000), filename: 'batch.jsonl', purpose, status: 'processed' });
    }
    const fileContent = /^\/v1\/files\/([^/]+)\/content$/.exec(url.pathname);
    if (fileContent && req.method === 'GET') {
      const file = files.get(fileContent[1]);
      if (!file) return json(404, { error: { message: 'no such file', type: 'invalid_request_error' } });
      if (file.theme !== undefined) downloads.set(file.theme, (downloads.get(file.theme) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return res.end(file.content);
    }
    if (url.pathname === '/v1/batches' && req.method === 'POST') {
      const { input_file_id: inputFileId, endpoint, completion_window: window, metadata = null } = JSON.parse(body);
      const file = files.get(inputFileId);
      if (!file) return json(404, { error: { message: 'no such input file', type: 'invalid_request_error' } });
      const lines = file.content.split('\n').filter(Boolean).map((line) => JSON.parse(line));
      const theme = dataOf(lines[0]?.body?.messages ?? [])?.theme ?? 'unknown';
      const fault = batchFaults.get(theme);
      batchFaults.delete(theme);
      const id = `batch_${nextId++}`;
      const batch = {
        id, object: 'batch', endpoint, errors: null, input_file_id: inputFileId, completion_window: window, status: 'validating', metadata,
        output_file_id: null, error_file_id: null, created_at: Math.floor(Date.now() / 1000), request_counts: { total: lines.length, completed: 0, failed: 0 },
      };
      batches.set(id, { batch, theme, fault, createdMs: Date.now(), lines });
      return json(200, batch);
    }
    if (url.pathname === '/v1/batches' && req.method === 'GET') {
      // Newest first, as the API lists them; one page (the fake never holds more than a test makes).
      const data = [...batches.values()].map((b) => b.batch).reverse();
      return json(200, { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false });
    }
    const batchRoute = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(url.pathname);
    if (batchRoute) {
      const entry = batches.get(batchRoute[1]);
      if (!entry) return json(404, { error: { message: 'no such batch', type: 'invalid_request_error' } });
      if (batchRoute[2] && req.method === 'POST') {
        if (['validating', 'in_progress', 'finalizing'].includes(entry.batch.status)) {
          entry.batch.status = 'cancelling';
          cancels.set(entry.theme, (cancels.get(entry.theme) ?? 0) + 1);
        }
        return json(200, entry.batch);
      }
      if (entry.fault?.kind === 'retrieve-error') return json(500, { error: { message: 'injected retrieve failure', type: 'server_error' } });
      await advanceBatch(entry);
      return json(200, entry.batch);
    }
    if (url.pathname === '/_control/embeddings') {
      const model = url.searchParams.get('model');
      const mine = embeddingCalls.filter((call) => model === null || call.model === model);
      return json(200, { calls: mine.length, inputs: mine.reduce((n, c) => n + c.inputs, 0), tokens: mine.reduce((n, c) => n + c.tokens, 0) });
    }
    if (req.method === 'POST' && url.pathname.endsWith('/embeddings')) {
      if (!/^Bearer .+/.test(req.headers.authorization ?? '')) {
        return json(401, { error: { message: 'Missing API key', type: 'invalid_request_error', code: 'invalid_api_key' } });
      }
      const request = JSON.parse(body);
      const fault = faults.get(`embeddings:${request.model}`)?.shift();
      if (fault?.kind === 'status') {
        const type = fault.status === 429 ? 'rate_limit_exceeded' : 'server_error';
        return json(fault.status, { error: { message: `injected ${fault.status}`, type, code: type } }, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
      }
      if (fault?.kind === 'hang') {
        await new Promise((resolve) => setTimeout(resolve, fault.ms ?? 600_000));
        if (res.destroyed) return undefined;
      }
      const inputs = Array.isArray(request.input) ? request.input : [request.input];
      if (inputs.length === 0 || inputs.length > 2048 || inputs.some((input) => typeof input !== 'string' || input.length === 0)) {
        return json(400, { error: { message: 'input must be a non-empty string or an array of 1 to 2048 non-empty strings', type: 'invalid_request_error' } });
      }
      const dimensions = Number(request.dimensions ?? 1536);
      const tokens = inputs.reduce((n, input) => n + fakeEmbeddings.tokensOf(input), 0);
      embeddingCalls.push({ model: request.model, inputs: inputs.length, tokens });
      const data = inputs.map((input, index) => {
        const vector = fakeEmbeddings.embed(input, dimensions);
        const embedding = request.encoding_format === 'base64' ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') : Array.from(vector);
        return { object: 'embedding', index, embedding };
      });
      return json(200, { object: 'list', data, model: request.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    }
    if (req.method !== 'POST' || !url.pathname.endsWith('/chat/completions')) {
      return json(404, { error: { message: `no route ${req.method} ${url.pathname}`, type: 'invalid_request_error' } });
    }
    if (!/^Bearer .+/.test(req.headers.authorization ?? '')) {
      return json(401, { error: { message: 'Missing API key', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }

    const request = JSON.parse(body);
    const out = await answer(request, { res });
    if (!out) return undefined;
    return json(out.status, out.body, out.headers);
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
