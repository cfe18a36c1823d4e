// `npm run bench [-- group…]`: speed and cost figures on the local stack, each beside a baseline
// measured in the same run (these machines are shared and noisy: ratios hold, absolute times do not).
// Groups are bench/*.bench.mjs files exporting { name, description, run(context) → figures[] }.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './lib/paths.mjs';
import { stopAll, stopAllOnExit } from './lib/processes.mjs';
import { startStack } from './lib/stack.mjs';
import { startFakeOpenAI } from './lib/fakeOpenAI.cjs';

const benchDir = path.join(repoRoot, 'bench');
const wanted = process.argv.slice(2);
// Alphabetical, but scale last: it leaves thousands of queued generation tasks behind (it measures
// accepts, not their completion), and a group after it (the soak) would wait behind that backlog.
const files = fs.readdirSync(benchDir).filter((file) => file.endsWith('.bench.mjs'))
  .sort((a, b) => Number(a === 'scale.bench.mjs') - Number(b === 'scale.bench.mjs') || a.localeCompare(b));
const groups = [];
for (const file of files) {
  const group = await import(pathToFileURL(path.join(benchDir, file)).href);
  if (wanted.length === 0 || wanted.includes(group.name)) groups.push(group);
}
if (groups.length === 0) {
  console.error(`no bench group matches ${wanted.join(', ')}; groups: ${files.map((f) => f.replace('.bench.mjs', '')).join(', ')}`);
  process.exit(2);
}

stopAllOnExit();
// Only bench/soak.bench.mjs writes a plan here (emulated functions read it, never production).
const faultPlanFile = path.join(os.tmpdir(), `qf-fault-plan-${process.env.QF_PORT_OFFSET ?? 0}-${process.pid}.json`);
// Model work in the bench goes to a local server speaking the OpenAI API: figures count calls, not dollars.
const openai = await startFakeOpenAI();
// A group that runs in process (needsStack = false) spares the machine the emulators.
const stack = groups.every((group) => group.needsStack === false) ? undefined : await startStack({
  profile: 'bench',
  log: (line) => console.log(`[stack] ${line}`),
  secrets: { OPENAI_API_KEY: 'bench-key' },
  params: {
    OPENAI_BASE_URL: openai.url,
    OPENAI_MODEL: 'fake-model',
    QUOTA_USER_DAILY_REQUESTS: 1_000_000,
    // One bench account drives many paid requests at once (the spend limits are tested, not benched).
    QUOTA_USER_DAILY_TOKENS: 1_000_000_000,
    QUOTA_USER_PAID_IN_FLIGHT: 1_000_000,
    // bench/batches.bench.mjs creates a 5,000-pool Batch API batch (about 15 M tokens estimated).
    GLOBAL_DAILY_TOKEN_BUDGET: 2_000_000_000,
    // The bench measures speed, not the per-user limits (bench/scale.bench.mjs measures those itself).
    RATE_DRAWS_PER_MINUTE: 1_000_000,
    RATE_ANSWERS_PER_MINUTE: 1_000_000,
    RATE_DISCOVERY_PER_MINUTE: 1_000_000,
    RATE_FRESH_ACCOUNT_PERCENT: 100,
    // bench/hotpaths.bench.mjs asks the emulated callables for their round trips.
    TEST_INSTRUMENTATION: 'true',
    TEST_FAULT_PLAN_FILE: faultPlanFile,
  },
});
const results = [];
try {
  for (const group of groups) {
    console.log(`\n== ${group.name}: ${group.description}`);
    const started = Date.now();
    const figures = await group.run({ stack, openaiUrl: openai.url, faultPlanFile, log: (line) => console.log(`   ${line}`) });
    const date = new Date().toISOString().slice(0, 10);
    for (const figure of figures) results.push({ group: group.name, ...figure, date });
    console.log(`   (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  // Written before the stack stops: a group's idle pg client dropped by the shutdown must not cost the run.
  report(results);
} finally {
  process.on('uncaughtException', (error) => {
    if (error?.code === '57P01') return; // "terminating connection due to administrator command": our own shutdown
    throw error;
  });
  await stopAll();
  await openai.close();
  for (const file of [faultPlanFile, `${faultPlanFile}.fired`]) fs.rmSync(file, { force: true });
}
process.exit(0);

/** A figure without a target (met: null, a report) has no verdict. */
function verdict(figure, no) {
  if (figure.met === null || figure.met === undefined || figure.target === null || figure.target === undefined) return '—';
  return figure.met ? 'yes' : no;
}

function report(results) {
  const rows = results.map((r) => [r.name, `${format(r.value)} ${r.unit}`, `${r.baseline}: ${format(r.baselineValue)}`, r.target ?? '—', verdict(r, 'NO')]);
  const header = ['figure', 'value', 'baseline (same run)', 'target', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}\n${rows.map(line).join('\n')}`);

  const out = path.join(benchDir, 'results.json');
  const previous = wanted.length > 0 && fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : [];
  // A group run replaces all of that group's previous figures (a figure it no longer reports goes too).
  const ran = new Set(groups.map((group) => group.name));
  const merged = [...previous.filter((r) => !ran.has(r.group) && !results.some((n) => n.name === r.name)), ...results];
  fs.writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(repoRoot, out)} (${new Date().toISOString().slice(0, 10)})`);
  writeReadmeTable(merged);
  console.log('updated the README bench table from it');
}

/** The README's figures are results.json's, rewritten between markers on every run, never by hand. */
function writeReadmeTable(figures) {
  const readme = path.join(repoRoot, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  if (!text.includes(start) || !text.includes(end)) return;
  const cell = (value) => String(value).replace(/\|/g, '\\|');
  const table = [
    '| group | figure | value | baseline (same run) | target | met | measured |',
    '|---|---|---|---|---|---|---|',
    ...figures.map((f) => `| ${f.group ?? ''} | ${cell(f.name)} | ${cell(`${format(f.value)} ${f.unit}`)} | ${cell(`${f.baseline}: ${format(f.baselineValue)}`)} | ${cell(f.target ?? '—')} | ${verdict(f, '**no**')} | ${f.date ?? ''} |`),
  ].join('\n');
  const before = text.slice(0, text.indexOf(start) + start.length);
  const after = text.slice(text.indexOf(end));
  fs.writeFileSync(readme, `${before}\n${table}\n${after}`);
}

function format(value) {
  if (typeof value !== 'number') return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}
