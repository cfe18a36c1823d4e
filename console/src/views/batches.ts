import { doc, onSnapshot } from 'firebase/firestore';
import { errorText, h, link, num, statusBadge, table, toast, usd, when, fill } from '../dom';
import { call } from '../firebase';
import type { View, ViewContext } from './types';

// Issue 8's contract: createBatch (dry run by default), startBatch, cancelBatch, getBatch, listBatches,
// and the generation_batches/{batchId} mirror that this view listens to.
type Batch = {
  batchId: string; name: string; mode: string; status: string; total: number; pending: number; running: number; done: number; failed: number; cancelled: number;
  questionsWritten: number; tokensIn: number; tokensOut: number; estimatedCostUsd: number; actualCostUsd: number; syncCostUsd: number;
  createdAt: string; startedAt: string | null; finishedAt: string | null; createdBy: string; seq?: number;
};
type DryRun = {
  batchId: string; dryRun: boolean; name: string; mode: string; total: number; newPools: number; alreadyDone: number; inFlight: number;
  estimate: { modelCalls: number; tokensIn: number; tokensOut: number; costUsd: number; syncCostUsd: number };
  pools: Array<{ position: number; poolKey: string; targetCount: number; state: string }>;
};

export const batchesView: View = async (ctx) => {
  if (ctx.path[0]) return batchDetail(ctx, ctx.path[0]);
  const list = await call<{ batches: Batch[]; next?: string }>('listBatches', { limit: 20, before: ctx.query.get('before') ?? undefined });
  if (!ctx.isCurrent()) return;
  const preview = h('div', { id: 'batch-preview' });
  const form = h('form', { id: 'batch-form' },
    h('label', {}, 'Name ', h('input', { name: 'name', size: '30' })),
    h('label', {}, 'Mode ', h('select', { name: 'mode' }, h('option', { value: 'sync' }, 'sync'), h('option', { value: 'batch' }, 'batch (OpenAI Batch API, half price)'))),
    h('label', {}, 'Plan (JSON) ', h('textarea', { name: 'plan', rows: '8', cols: '90', placeholder: '{ "pools": [ { "pool": { … }, "targetCount": 20 } ] }' })),
    h('label', {}, 'or a plan file ', h('input', { name: 'file', type: 'file', accept: '.json,application/json' })),
    h('button', { type: 'submit', class: 'action' }, 'Dry run'));
  const readPlan = async () => {
    const data = new FormData(form);
    const file = data.get('file');
    const text = file instanceof File && file.size > 0 ? await file.text() : String(data.get('plan') ?? '');
    return { plan: JSON.parse(text) as unknown, name: String(data.get('name') ?? '') || undefined, mode: String(data.get('mode')) };
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const input = await readPlan();
      const dry = await call<DryRun>('createBatch', { ...input, dryRun: true });
      fill(preview, 
        h('p', { id: 'dry-run-summary' }, `${dry.total} pools: ${dry.newPools} new, ${dry.alreadyDone} already done, ${dry.inFlight} in flight. Estimate: ${num(dry.estimate.modelCalls)} model calls, ${num(dry.estimate.tokensIn + dry.estimate.tokensOut)} tokens, ${usd(dry.estimate.costUsd)} (sync ${usd(dry.estimate.syncCostUsd)}).`),
        table(['#', 'pool', 'target', 'state'], dry.pools.map((p) => [String(p.position), h('code', {}, p.poolKey), String(p.targetCount), p.state]), { id: 'dry-run-table' }),
        h('button', {
          type: 'button', class: 'action', id: 'batch-create-start', onclick: async () => {
            try {
              const created = await call<DryRun>('createBatch', { ...input, dryRun: false });
              await call('startBatch', { batchId: created.batchId });
              ctx.navigate(`#/batches/${created.batchId}`);
            } catch (error) {
              toast(errorText(error));
            }
          },
        }, `Create and start (${dry.total} pools)`));
    } catch (error) {
      fill(preview, h('p', { class: 'error', role: 'alert' }, errorText(error)));
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

function progress(b: Batch): HTMLElement {
  const pct = b.total ? Math.floor((settled(b) / b.total) * 100) : 0;
  return h('span', { class: 'progress' }, h('progress', { max: String(b.total || 1), value: String(settled(b)) }), h('span', { class: 'pct', 'data-pct': String(pct) }, `${pct}%`));
}

async function batchDetail(ctx: ViewContext, batchId: string): Promise<() => void> {
  const head = h('div', { id: 'batch-head' });
  const outcomes = h('div', { id: 'batch-outcomes' });
  fill(ctx.root, h('p', {}, link('#/batches', '← Batches')), h('h2', {}, 'Batch ', h('code', {}, batchId.slice(0, 16))), head, h('h3', {}, 'Per pool'), outcomes);
  const drawOutcomes = async () => {
    const { requests } = await call<{ requests: Array<{ requestKey: string; poolKey: string; targetCount: number; status: string; questions: number; tokensIn: number; tokensOut: number; costUsd: number; lastError: string | null }> }>('getBatch', { batchId });
    if (!ctx.isCurrent()) return;
    fill(outcomes, table(['request', 'pool', 'target', 'status', 'questions', 'tokens', 'cost', 'error'], requests.map((r) => [
      link(`#/requests/${r.requestKey}`, h('code', {}, r.requestKey.slice(0, 12))), h('code', {}, r.poolKey), String(r.targetCount), statusBadge(r.status), String(r.questions),
      num(r.tokensIn + r.tokensOut), usd(r.costUsd), h('span', { class: 'error-text' }, r.lastError ?? ''),
    ])));
  };
  const drawHead = (b: Batch) => {
    fill(head, 
      h('p', {}, statusBadge(b.status), ` ${b.name} · ${b.mode} · ${settled(b)} of ${b.total} settled (${b.done} done, ${b.failed} failed, ${b.cancelled} cancelled, ${b.running} running, ${b.pending} pending)`),
      progress(b),
      h('p', {}, `${num(b.questionsWritten)} questions · tokens ${num(b.tokensIn)} in / ${num(b.tokensOut)} out · cost ${usd(b.actualCostUsd)} (estimated ${usd(b.estimatedCostUsd)}, sync ${usd(b.syncCostUsd)}) · started ${when(b.startedAt)} · finished ${when(b.finishedAt)}`),
      ctx.canAct && b.status === 'created' ? h('button', { type: 'button', class: 'action', id: 'batch-start', onclick: () => call('startBatch', { batchId }).catch((e) => toast(errorText(e))) }, 'Start') : null,
      ctx.canAct && (b.status === 'created' || b.status === 'running') ? h('button', { type: 'button', class: 'action danger', id: 'batch-cancel', onclick: () => { if (window.confirm('Cancel this batch?')) call('cancelBatch', { batchId }).catch((e) => toast(errorText(e))); } }, 'Cancel') : null,
    );
  };
  const first = await call<{ batch: Batch }>('getBatch', { batchId });
  drawHead(first.batch);
  await drawOutcomes();
  let lastSeq = first.batch.seq ?? -1;
  let lastSettled = settled(first.batch);
  return onSnapshot(doc(ctx.services.db, 'generation_batches', batchId), (snapshot) => {
    const b = snapshot.data() as Batch | undefined;
    if (!b || (b.seq !== undefined && b.seq <= lastSeq)) return;
    lastSeq = b.seq ?? lastSeq;
    drawHead(b);
    if (settled(b) !== lastSettled) {
      lastSettled = settled(b);
      void drawOutcomes();
    }
  }, (error) => toast(errorText(error)));
}
