import { doc, onSnapshot } from 'firebase/firestore';
import { byReason, errorText, h, link, num, statusBadge, table, toast, usd, when, fill } from '../dom';
import { call } from '../firebase';
import type { View, ViewContext } from './types';

// Issue 8's contract (README "Batches"): createBatch (dry run by default), startBatch, cancelBatch,
// getBatch, listBatches, and the generation_batches/{batchId} mirror this view listens to.
type Batch = {
  batchId: string; name: string; mode: string; status: string; total: number; pending: number; running: number; done: number; failed: number; cancelled: number;
  questionsWritten: number; tokensIn: number; tokensOut: number; cachedTokensIn?: number; estimatedCostUsd: number; actualCostUsd: number; syncCostUsd: number;
  createdAt: string; startedAt: string | null; finishedAt: string | null; createdBy: string;
};
/** The mirror document: the summary plus a counter that grows with every change. */
type Mirrored = Batch & { seq: number };
type DryRun = {
  batchId: string; dryRun: boolean; name: string; mode: string; total: number; newPools: number; alreadyDone: number; inFlight: number;
  estimate: { modelCalls: number; tokensIn: number; tokensOut: number; costUsd: number; syncCostUsd: number; budgetLeftTokens?: number };
  pools: Array<{ position: number; poolKey: string; targetCount: number; state: string }>;
  created?: boolean;
};
type Outcome = { requestKey: string; poolKey: string; targetCount: number; status: string; questions: number; tokensIn: number; tokensOut: number; costUsd: number; lastError: string | null; rejected?: Record<string, number> };
type PlanIssue = { position: number | null; field: string; rule: string };

/** A refused plan names every bad entry: show them all, not only the message's first few. */
function errorBlock(error: unknown): HTMLElement {
  const issues = (error as { details?: { issues?: PlanIssue[] } }).details?.issues;
  return h('div', { class: 'error', role: 'alert', id: 'batch-error' }, h('p', {}, errorText(error)),
    Array.isArray(issues) && issues.length > 0
      ? table(['#', 'field', 'rule'], issues.map((i) => [i.position === null ? '—' : String(i.position), h('code', {}, i.field), i.rule]), { id: 'plan-issues' })
      : null);
}

/** CSV as the CLI reads it: a header of pool fields and targetCount, one pool per line. */
function csvPlan(text: string): unknown {
  const [header, ...lines] = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const fields = (header ?? '').split(',').map((f) => f.trim());
  return lines.map((line) => {
    const cells = line.split(',').map((c) => c.trim());
    const pool: Record<string, unknown> = {};
    let targetCount: unknown;
    fields.forEach((field, i) => {
      const cell = cells[i] ?? '';
      if (field === 'targetCount') targetCount = Number(cell);
      else if (field === 'version') { if (cell) pool.version = Number(cell); }
      else pool[field] = cell;
    });
    return { pool, targetCount };
  });
}

export const batchesView: View = async (ctx) => {
  if (ctx.path[0]) return batchDetail(ctx, ctx.path[0]);
  const list = await call<{ batches: Batch[]; next?: string }>('listBatches', { limit: 20, before: ctx.query.get('before') ?? undefined });
  if (!ctx.isCurrent()) return;
  const preview = h('div', { id: 'batch-preview' });
  const form = h('form', { id: 'batch-form' },
    h('label', {}, 'Name ', h('input', { name: 'name', size: '30' })),
    h('label', {}, 'Mode ', h('select', { name: 'mode' }, h('option', { value: 'sync' }, 'sync'), h('option', { value: 'batch' }, 'batch (OpenAI Batch API, half price)'))),
    h('label', {}, 'Plan (JSON) ', h('textarea', { name: 'plan', rows: '8', cols: '90', placeholder: '{ "pools": [ { "pool": { "lang": "en", … }, "targetCount": 20 } ] } or { "matrix": { … }, "targetCount": 20 }' })),
    h('label', {}, 'or a plan file ', h('input', { name: 'file', type: 'file', accept: '.json,.csv,application/json,text/csv' })),
    h('button', { type: 'submit', class: 'action', id: 'batch-dry-run' }, 'Dry run'));
  const readPlan = async () => {
    const data = new FormData(form);
    const file = data.get('file');
    const fromFile = file instanceof File && file.size > 0;
    const text = fromFile ? await file.text() : String(data.get('plan') ?? '');
    if (!text.trim()) throw new Error('Paste a plan or choose a plan file');
    let plan: unknown;
    try {
      plan = fromFile && /\.csv$/i.test(file.name) ? csvPlan(text) : JSON.parse(text);
    } catch (error) {
      throw new Error(`The plan is not valid JSON: ${(error as Error).message}`);
    }
    return { plan, name: String(data.get('name') ?? '').trim() || undefined, mode: String(data.get('mode')) };
  };
  const create = async (input: Awaited<ReturnType<typeof readPlan>>, start: boolean) => {
    try {
      const created = await call<DryRun>('createBatch', { ...input, dryRun: false });
      ctx.navigate(`#/batches/${created.batchId}`);
      // The detail view follows the start through the mirror; a long start need not be awaited here.
      if (start) call('startBatch', { batchId: created.batchId }).catch((e) => toast(errorText(e)));
    } catch (error) {
      fill(preview, errorBlock(error));
    }
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const input = await readPlan();
      const dry = await call<DryRun>('createBatch', { ...input, dryRun: true });
      const tokens = dry.estimate.tokensIn + dry.estimate.tokensOut;
      fill(preview,
        h('p', { id: 'dry-run-summary' }, `${dry.total} pools: ${dry.newPools} new, ${dry.alreadyDone} already done, ${dry.inFlight} in flight. Mode ${dry.mode}. Estimate: ${num(dry.estimate.modelCalls)} model calls, ${num(tokens)} tokens${dry.estimate.budgetLeftTokens === undefined ? '' : ` (${num(dry.estimate.budgetLeftTokens)} left in today's budget)`}, ${usd(dry.estimate.costUsd)} (sync ${usd(dry.estimate.syncCostUsd)}).`),
        table(['#', 'pool', 'target', 'state'], dry.pools.map((p) => [String(p.position), h('code', {}, p.poolKey), String(p.targetCount), h('span', { 'data-state': p.state }, p.state)]), { id: 'dry-run-table' }),
        h('p', { class: 'actions' },
          h('button', { type: 'button', class: 'action', id: 'batch-create', onclick: () => void create(input, false) }, `Create (${dry.total} pools)`), ' ',
          h('button', { type: 'button', class: 'action', id: 'batch-create-start', onclick: () => void create(input, true) }, `Create and start`)));
    } catch (error) {
      fill(preview, errorBlock(error));
    }
  });
  fill(ctx.root, h('h2', {}, 'Batches'),
    ctx.canAct ? h('details', { open: true }, h('summary', {}, 'New batch from a plan'), form, preview) : null,
    table(['batch', 'name', 'status', 'progress', 'questions', 'cost (est./actual)', 'created'], list.batches.map((b) => [
      link(`#/batches/${b.batchId}`, h('code', {}, b.batchId.slice(0, 12))), b.name, statusBadge(b.status), progress(b), num(b.questionsWritten),
      `${usd(b.estimatedCostUsd)} / ${usd(b.actualCostUsd)}`, when(b.createdAt),
    ]), { empty: 'No batch yet.', id: 'batch-table' }),
    list.next ? link(`#/batches?before=${encodeURIComponent(list.next)}`, 'Older →') : null);
};

function settled(b: Batch): number {
  return b.done + b.failed + b.cancelled;
}

function progress(b: Batch, id?: string): HTMLElement {
  const pct = b.total ? Math.floor((settled(b) / b.total) * 100) : 0;
  return h('span', { class: 'progress', id }, h('progress', { max: String(b.total || 1), value: String(settled(b)) }), h('span', { class: 'pct', 'data-pct': String(pct) }, ` ${pct}%`));
}

async function batchDetail(ctx: ViewContext, batchId: string): Promise<() => void> {
  const head = h('div', { id: 'batch-head' });
  const outcomes = h('div', { id: 'batch-outcomes' });
  fill(ctx.root, h('p', {}, link('#/batches', '← Batches')), h('h2', {}, 'Batch ', h('code', {}, batchId.slice(0, 16))), head,
    h('h3', {}, 'Per pool ', h('small', {}, link(`#/requests?batchId=${batchId}`, 'its requests in the search'))), outcomes);

  // getBatch replies may land out of order: only the latest one asked for is drawn.
  let outcomeSeq = 0;
  const drawOutcomes = async (fetched?: Outcome[]) => {
    const mine = ++outcomeSeq;
    const requests = fetched ?? (await call<{ requests: Outcome[] }>('getBatch', { batchId })).requests;
    if (!ctx.isCurrent() || mine !== outcomeSeq) return;
    // Rejections by reason over the batch: each request once (two pools of a plan may share one).
    const total: Record<string, number> = {};
    for (const r of new Map(requests.map((x) => [x.requestKey, x])).values()) for (const [reason, n] of Object.entries(r.rejected ?? {})) total[reason] = (total[reason] ?? 0) + n;
    fill(outcomes, h('p', { id: 'batch-rejected' }, 'Rejected by the gate, linter and verifier: ', byReason(total)),
      table(['request', 'pool', 'target', 'status', 'questions', 'tokens', 'cost', 'rejected by reason', 'error'], requests.map((r) => [
        link(`#/requests/${r.requestKey}`, h('code', {}, r.requestKey.slice(0, 12))), h('code', {}, r.poolKey), String(r.targetCount), statusBadge(r.status), String(r.questions),
        num(r.tokensIn + r.tokensOut), usd(r.costUsd), h('small', {}, byReason(r.rejected)), h('span', { class: 'error-text' }, r.lastError ?? ''),
      ]), { id: 'batch-pools' }));
  };
  let busy = false;
  const act = (name: 'startBatch' | 'cancelBatch') => async (event: Event) => {
    if (name === 'cancelBatch' && !window.confirm('Cancel this batch? Pending requests nobody else wants are cancelled; running ones finish.')) return;
    busy = true;
    (event.currentTarget as HTMLButtonElement).disabled = true;
    try {
      await call(name, { batchId });
    } catch (error) {
      toast(errorText(error));
    } finally {
      busy = false;
      if (shown && ctx.isCurrent()) drawHead(shown);
    }
  };
  let shown: Batch | undefined;
  const drawHead = (b: Batch) => {
    shown = b;
    fill(head,
      h('p', { id: 'batch-summary' }, statusBadge(b.status), ` ${b.name} · ${b.mode} · ${settled(b)} of ${b.total} settled (${b.done} done, ${b.failed} failed, ${b.cancelled} cancelled, ${b.running} running, ${b.pending} pending)`),
      progress(b, 'batch-progress'),
      h('p', {}, `${num(b.questionsWritten)} questions · tokens ${num(b.tokensIn)} in / ${num(b.tokensOut)} out · cost ${usd(b.actualCostUsd)} (estimated ${usd(b.estimatedCostUsd)}, sync ${usd(b.syncCostUsd)}) · created ${when(b.createdAt)} by ${b.createdBy} · started ${when(b.startedAt)} · finished ${when(b.finishedAt)}`),
      ctx.canAct && b.status === 'created' ? h('button', { type: 'button', class: 'action', id: 'batch-start', disabled: busy, onclick: act('startBatch') }, 'Start') : null, ' ',
      ctx.canAct && (b.status === 'created' || b.status === 'running') ? h('button', { type: 'button', class: 'action danger', id: 'batch-cancel', disabled: busy, onclick: act('cancelBatch') }, 'Cancel') : null,
    );
  };

  // The head is drawn from the mirror only: its seq orders the snapshots, so the bar never goes
  // backwards (a getBatch reply, read from Postgres, may be ahead of the next snapshot).
  let lastSeq = -1;
  let lastOutcome = '';
  let first: (() => void) | undefined;
  const firstSnapshot = new Promise<boolean>((resolve) => { first = () => resolve(true); });
  const unsubscribe = onSnapshot(doc(ctx.services.db, 'generation_batches', batchId), (snapshot) => {
    const b = snapshot.data() as Mirrored | undefined;
    first?.();
    if (!b || !ctx.isCurrent() || Number(b.seq) <= lastSeq) return;
    lastSeq = Number(b.seq);
    drawHead(b);
    const outcome = `${b.status}|${settled(b)}|${b.running}`;
    if (outcome !== lastOutcome) {
      lastOutcome = outcome;
      void drawOutcomes().catch((e) => toast(errorText(e)));
    }
  }, (error) => {
    first?.();
    toast(errorText(error));
  });
  try {
    const seqBefore = outcomeSeq;
    const [reply] = await Promise.all([call<{ batch: Batch; requests: Outcome[] }>('getBatch', { batchId }), firstSnapshot]);
    // No mirror document (its write failed and nothing has moved since): Postgres is the truth.
    if (lastSeq < 0 && ctx.isCurrent()) drawHead(reply.batch);
    if (outcomeSeq === seqBefore) await drawOutcomes(reply.requests);
  } catch (error) {
    unsubscribe();
    throw error;
  }
  return unsubscribe;
}
