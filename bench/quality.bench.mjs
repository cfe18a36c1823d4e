// Quality (issue 17): the writer → quality gate and flaw linter → verifier loop, in process, against
// the fake model writing 5% wrong keys and 5% ambiguous items with biased key positions and lengths,
// and a verifier 97% accurate; beside today's pipeline (no verifier, the model's own choice order)
// in the same run. These figures measure the pipeline with a simulated model, not a real model's
// error rates. With OPENAI_API_KEY set, the labelled set also goes through the real verifier.
import { createRequire } from 'node:module';
import path from 'node:path';
import { functionsDir, repoRoot } from '../scripts/lib/paths.mjs';

export const name = 'quality';
export const description = 'quality: wrong keys reaching a pool, good questions rejected, tokens verified vs unverified, key position χ² and longest-key share (simulated model, 5% wrong keys, 5% ambiguous, verifier 97%)';
/** Runs in process: no emulators needed (scripts/bench.mjs skips the stack when every group says so). */
export const needsStack = false;

const require = createRequire(path.join(functionsDir, 'package.json'));
const STORED = 1000;
const PER_CALL = 25;
const FAULTS = { wrongKey: 0.05, ambiguous: 0.05, positionBias: [4, 3, 2, 1], longestKey: 0.5 };

async function control(openaiUrl, pathName, body) {
  await fetch(`${openaiUrl.replace(/\/v1$/, '')}/_control/${pathName}`, { method: 'POST', body: JSON.stringify(body) });
}

async function truthsOf(openaiUrl, theme) {
  const response = await fetch(`${openaiUrl.replace(/\/v1$/, '')}/_control/truths?theme=${encodeURIComponent(theme)}`);
  return new Map((await response.json()).truths.map((t) => [`${theme}|${t.prompt}`, t]));
}

function onlyLongest(q) {
  const lengths = q.choices.map((c) => c.trim().length);
  const longest = Math.max(...lengths);
  return lengths[q.answerIndex] === longest && lengths.filter((l) => l === longest).length === 1;
}

/**
 * Fills pools of 100 until `STORED` questions are stored. mode 'today': the pipeline before issue 17
 * (the model's choice order, no pool leanings, no verifier); 'linted': order and leanings, no
 * verifier; 'verified': everything.
 */
async function fill({ openaiUrl, theme, mode, lib }) {
  const verify = mode === 'verified';
  const { OpenAIGenerator, OpenAIVerifier, screenCandidates, toVerifiable, poolParamsSchema, writerAsk } = lib;
  const writer = new OpenAIGenerator({ apiKey: 'bench', baseURL: openaiUrl, model: 'fake-model', questionsPerCall: PER_CALL, timeoutMs: 30_000 });
  const verifier = new OpenAIVerifier({ apiKey: 'bench', baseURL: openaiUrl, model: 'fake-verifier', questionsPerCall: 25, timeoutMs: 30_000 });
  const stored = [];
  const rejectedByVerifier = [];
  const tokens = { writer: 0, verifier: 0 };
  const paid = { writer: 0, verifier: 0 };
  for (let p = 0; stored.length < STORED; p++) {
    const params = poolParamsSchema.parse({ lang: 'en', country: 'US', level: 'medium', subject: 'cinema', theme: `${theme} ${p}`, type: 'mcq' });
    await control(openaiUrl, 'quality', { theme: params.theme.replace(/-/g, ' '), ...FAULTS });
    const pool = [];
    let turnedAway = 0;
    for (let calls = 0; pool.length < 100 && calls < 20; calls++) {
      // As runGenerationTask asks: what was turned away so far is asked for too.
      const count = writerAsk(100 - pool.length, pool.length, turnedAway, PER_CALL);
      const batch = await writer.generate({ params, count, excludeIds: new Set(pool.map((q) => q.id)), existingPrompts: pool.map((q) => q.prompt) });
      tokens.writer += batch.tokensIn + batch.tokensOut;
      paid.writer += batch.modelCalls;
      // Today's pipeline stored the model's own order; the screen now shuffles model questions.
      const candidates = mode === 'today' ? batch.questions.map((q) => ({ ...q, source: 'facts' })) : batch.questions;
      // Verified, everything screened is verified (the verifier turns some away); else the pool's room.
      const screened = screenCandidates({ lang: 'en', type: 'mcq', candidates, pool, limit: verify ? candidates.length : 100 - pool.length });
      turnedAway += Object.values(screened.rejected).reduce((a, b) => a + b, 0);
      let accepted = screened.accepted;
      if (verify && accepted.length > 0) {
        const outcome = await verifier.verify(params, accepted.map(toVerifiable));
        tokens.verifier += outcome.tokensIn + outcome.tokensOut;
        paid.verifier += outcome.calls;
        rejectedByVerifier.push(...accepted.filter((q) => outcome.results.get(q.id)?.verdict !== 'accepted').map((q) => ({ ...q, theme: params.theme.replace(/-/g, ' ') })));
        turnedAway += accepted.filter((q) => outcome.results.get(q.id)?.verdict !== 'accepted').length;
        accepted = accepted.filter((q) => outcome.results.get(q.id)?.verdict === 'accepted');
      }
      // Verified extras beyond the pool's room were paid for and are dropped, as in runGenerationTask.
      pool.push(...accepted.slice(0, 100 - pool.length));
    }
    stored.push(...pool.map((q) => ({ ...q, theme: params.theme.replace(/-/g, ' ') })));
  }
  const kept = stored.slice(0, STORED);
  const truths = new Map();
  for (const t of new Set(kept.map((q) => q.theme))) for (const [k, v] of await truthsOf(openaiUrl, t)) truths.set(k, v);
  // The same stem exists in several pools (themes): truth is looked up by both.
  const truthOf = (q) => truths.get(`${q.theme}|${q.prompt.toLowerCase()}`);
  const wrong = kept.filter((q) => !truthOf(q)?.correct.includes(q.choices[q.answerIndex])).length;
  const goodRejected = rejectedByVerifier.filter((q) => truthOf(q)?.flaw === 'none').length;
  const goodSeen = kept.length + goodRejected;
  const positions = [0, 0, 0, 0];
  for (const q of kept) positions[q.answerIndex] += 1;
  return {
    wrongPer1000: (1000 * wrong) / kept.length,
    goodRejectedShare: goodRejected / goodSeen,
    tokensPerStored: (tokens.writer + tokens.verifier) / stored.length,
    verifierTokensPerStored: tokens.verifier / stored.length,
    writerTokensPerStored: tokens.writer / stored.length,
    callsPer100: { writer: (100 * paid.writer) / stored.length, verifier: (100 * paid.verifier) / stored.length },
    positions,
    longestShare: kept.filter(onlyLongest).length / kept.length,
  };
}

/** The labelled set through a verifier: caught flaws, good items rejected (real model when a key is set). */
async function labelled({ openaiUrl, lib, apiKey, model }) {
  const items = require('./test/fixtures/labelled-items.json');
  const { OpenAIVerifier, poolParamsSchema } = lib;
  const verifier = new OpenAIVerifier({ apiKey, baseURL: apiKey === 'bench' ? openaiUrl : undefined, model, questionsPerCall: 20, timeoutMs: 120_000 });
  if (apiKey === 'bench') await control(openaiUrl, 'truths', { items });
  const byLang = {};
  for (const item of items) (byLang[item.lang] ??= []).push(item);
  let goodRejected = 0, good = 0, wrongCaught = 0, wrong = 0, ambiguousCaught = 0, ambiguous = 0;
  for (const [lang, list] of Object.entries(byLang)) {
    const params = poolParamsSchema.parse({ lang, country: 'US', level: 'medium', subject: 'geography', theme: 'labelled set', type: 'mcq' });
    const outcome = await verifier.verify(params, list.map((i) => ({ id: i.id, prompt: i.prompt, choices: i.choices, answerIndex: i.answerIndex })));
    for (const item of list) {
      const verdict = outcome.results.get(item.id)?.verdict;
      if (item.label === 'good') { good += 1; if (verdict !== 'accepted') goodRejected += 1; }
      if (item.label === 'wrong-key') { wrong += 1; if (verdict !== 'accepted') wrongCaught += 1; }
      if (item.label === 'ambiguous') { ambiguous += 1; if (verdict !== 'accepted') ambiguousCaught += 1; }
    }
  }
  return { goodRejected: goodRejected / good, wrongCaught: wrongCaught / wrong, ambiguousCaught: ambiguousCaught / ambiguous };
}

export async function run({ openaiUrl, log }) {
  const lib = {
    ...require('./lib/questions/openai/openaiGenerator.js'),
    ...require('./lib/questions/openai/verifier.js'),
    ...require('./lib/pools/qualityGate.js'),
    ...require('./lib/questions/poolParams.js'),
    ...require('./lib/generation/writerAsk.js'),
  };
  const { chiSquareUniform } = require(path.join(repoRoot, 'scripts/lib/chiSquare.cjs'));
  await control(openaiUrl, 'verifier', { accuracy: 0.97 });
  const stamp = Date.now().toString(36);
  const before = await fill({ openaiUrl, theme: `quality today ${stamp}`, mode: 'today', lib });
  const linted = await fill({ openaiUrl, theme: `quality linted ${stamp}`, mode: 'linted', lib });
  const after = await fill({ openaiUrl, theme: `quality checked ${stamp}`, mode: 'verified', lib });
  const chiBefore = chiSquareUniform(before.positions);
  const chiAfter = chiSquareUniform(after.positions);
  log(`wrong keys per 1,000 stored: ${after.wrongPer1000.toFixed(1)} verified, ${before.wrongPer1000.toFixed(1)} unverified`);
  log(`key positions: verified ${after.positions.join('/')} (p ${chiAfter.p.toFixed(3)}), model order ${before.positions.join('/')} (p ${chiBefore.p.toExponential(1)})`);
  log(`tokens per stored question: ${after.tokensPerStored.toFixed(0)} verified (writer ${after.writerTokensPerStored.toFixed(0)}, verifier ${after.verifierTokensPerStored.toFixed(0)}), ${linted.tokensPerStored.toFixed(0)} linted but unverified, ${before.tokensPerStored.toFixed(0)} today`);
  log(`calls per 100 stored: writer ${after.callsPer100.writer.toFixed(1)} and verifier ${after.callsPer100.verifier.toFixed(1)} verified, writer ${linted.callsPer100.writer.toFixed(1)} linted`);
  const figures = [
    { name: 'quality: wrong keys reaching a pool, per 1,000 stored questions', value: after.wrongPer1000, unit: '', baseline: 'no verifier (today\'s pipeline)', baselineValue: before.wrongPer1000, target: '≤ 5', met: after.wrongPer1000 <= 5 },
    { name: 'quality: good questions rejected by the verifier', value: after.goodRejectedShare * 100, unit: '%', baseline: 'no verifier', baselineValue: 0, target: '≤ 3 %', met: after.goodRejectedShare <= 0.03 },
    { name: 'quality: tokens per stored question, verified', value: after.tokensPerStored, unit: 'tokens', baseline: 'unverified, same linter (tokens)', baselineValue: linted.tokensPerStored, target: '≤ 1.35× baseline', met: after.tokensPerStored <= linted.tokensPerStored * 1.35 },
    { name: 'quality: key position over 1,000 stored 4-choice questions, χ² p against uniform', value: chiAfter.p, unit: '', baseline: 'the model\'s order (p)', baselineValue: chiBefore.p, target: 'p ≥ 0.05', met: chiAfter.p >= 0.05 },
    { name: 'quality: share of keys that are the only longest choice', value: after.longestShare * 100, unit: '%', baseline: 'no linter (%)', baselineValue: before.longestShare * 100, target: '≤ 35 %', met: after.longestShare <= 0.35 },
  ];
  const simulated = await labelled({ openaiUrl, lib, apiKey: 'bench', model: 'fake-verifier' });
  log(`labelled set, simulated verifier 97%: good rejected ${(simulated.goodRejected * 100).toFixed(1)}%, wrong keys caught ${(simulated.wrongCaught * 100).toFixed(1)}%, ambiguous caught ${(simulated.ambiguousCaught * 100).toFixed(1)}%`);
  figures.push({ name: 'quality: labelled set (382 items), wrong keys caught, simulated verifier', value: simulated.wrongCaught * 100, unit: '%', baseline: 'good items rejected (%)', baselineValue: simulated.goodRejected * 100, target: null, met: null });
  if (process.env.OPENAI_API_KEY) {
    const model = process.env.VERIFIER_MODEL ?? 'gpt-4.1-nano';
    const real = await labelled({ openaiUrl, lib, apiKey: process.env.OPENAI_API_KEY, model });
    log(`labelled set, ${model}: good rejected ${(real.goodRejected * 100).toFixed(1)}%, wrong keys caught ${(real.wrongCaught * 100).toFixed(1)}%, ambiguous caught ${(real.ambiguousCaught * 100).toFixed(1)}%`);
    figures.push(
      { name: `quality: labelled set, wrong keys caught by ${model}`, value: real.wrongCaught * 100, unit: '%', baseline: 'simulated verifier (%)', baselineValue: simulated.wrongCaught * 100, target: '≥ 90 %', met: real.wrongCaught >= 0.9 },
      { name: `quality: labelled set, good items rejected by ${model}`, value: real.goodRejected * 100, unit: '%', baseline: 'simulated verifier (%)', baselineValue: simulated.goodRejected * 100, target: '≤ 3 %', met: real.goodRejected <= 0.03 },
    );
  }
  await control(openaiUrl, 'verifier', { accuracy: 1 });
  return figures;
}
