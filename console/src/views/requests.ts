import { doc, onSnapshot } from 'firebase/firestore';
import { byReason, errorText, h, link, ms, num, statusBadge, table, toast, when, fill } from '../dom';
import { call } from '../firebase';
import type { View, ViewContext } from './types';

export const FILTER_FIELDS = ['keyPrefix', 'pool', 'status', 'requester', 'batchId', 'from', 'to'] as const;

type RequestRow = {
  requestKey: string; poolKey: string; status: string; attempts: number; maxAttempts: number; targetCount: number;
  generatedCount: number | null; lastError: string | null; createdAt: string; updatedAt: string; finishedAt: string | null; tokensIn: number; tokensOut: number;
};
type ListReply = { requests: RequestRow[]; total: number; next?: string };
type Detail = {
  request: RequestRow & { params: Record<string, unknown>; resultBytes: number | null; rejected: Record<string, number> | null; generator: string | null; model: string | null; questionsInResult: number | null; verification?: { model: string; calls: number; tokensIn: number; tokensOut: number; verdicts: Record<string, number> } | null; leaseExpiresAt: string | null; notBefore: string | null; startedAt: string | null };
  requesters: Array<{ uid: string; email: string | null; requestedAt: string }>;
  attempts: Array<{ attempt: number; startedAt: string; finishedAt: string; durationMs: number; outcome: string; modelCalls: number; tokensIn: number; tokensOut: number; error: string | null }>;
  pool: { poolKey: string; count: number; updatedAt: string | null } | null;
};
type BulkReply = { matched: number; changed: number; skipped: number };

function filterFrom(query: URLSearchParams): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const field of FILTER_FIELDS) {
    const value = query.get(field);
    if (value) filter[field] = value;
  }
  return filter;
}

export const requestsView: View = async (ctx) => {
  if (ctx.path[0]) return requestDetail(ctx, ctx.path[0]);
  const filter = filterFrom(ctx.query);
  const input = (name: string, label: string, attrs: Record<string, string> = {}) =>
    h('label', {}, label, h('input', { name, value: filter[name] ?? '', ...attrs }));
  const form = h('form', { class: 'filters', id: 'request-filters' },
    input('keyPrefix', 'Request key prefix', { size: '12' }),
    input('pool', 'Pool key or part', { size: '28', placeholder: 'en|gb|easy|… or geography' }),
    h('label', {}, 'Status', h('select', { name: 'status' }, ['', 'pending', 'running', 'done', 'failed', 'cancelled'].map((s) => h('option', { value: s, selected: filter.status === s }, s || 'any')))),
    input('requester', 'Requester (uid or email)', { size: '20' }),
    input('batchId', 'Batch', { size: '12' }),
    input('from', 'From', { type: 'date' }),
    input('to', 'To', { type: 'date' }),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value)) params.set(key, String(value));
    ctx.navigate(`#/requests?${params}`);
  });
  const results = h('div', { id: 'request-results' });
  const bulk = h('div', { class: 'actions', id: 'bulk-actions' });
  fill(ctx.root, h('h2', {}, 'Requests'), form, bulk, results);

  const after = ctx.query.get('after') ?? undefined;
  const reply = await call<ListReply>('adminListRequests', { filter, limit: 50, after });
  if (!ctx.isCurrent()) return;
  const hasFilter = Object.keys(filter).length > 0;
  if (ctx.canAct && hasFilter && reply.total > 0) {
    const bulkAction = (name: 'adminRetryRequests' | 'adminCancelRequests', verb: string) =>
      h('button', {
        type: 'button', class: `action${name === 'adminCancelRequests' ? ' danger' : ''}`, id: `bulk-${verb}`,
        onclick: async () => {
          if (!window.confirm(`${verb[0]!.toUpperCase()}${verb.slice(1)} all ${reply.total} requests matching this filter?`)) return;
          try {
            const done = await call<BulkReply>(name, { filter, expectedCount: reply.total });
            toast(`${verb}: ${done.changed} of ${done.matched} matching requests (${done.skipped} left alone)`);
            ctx.navigate(`#/requests?${new URLSearchParams({ ...filter, t: String(Date.now()) })}`);
          } catch (error) {
            toast(errorText(error));
          }
        },
      }, `${verb[0]!.toUpperCase()}${verb.slice(1)} all ${reply.total} matching`);
    fill(bulk, bulkAction('adminRetryRequests', 'retry'), bulkAction('adminCancelRequests', 'cancel'));
  }
  fill(results, 
    h('p', { class: 'muted', id: 'request-total' }, `${num(reply.total)} matching`),
    table(['request', 'pool', 'status', 'attempts', 'target', 'created', 'last error'], reply.requests.map((r) => [
      link(`#/requests/${r.requestKey}`, h('code', {}, r.requestKey.slice(0, 12))),
      h('code', {}, r.poolKey), statusBadge(r.status), `${r.attempts}/${r.maxAttempts}`, String(r.targetCount), when(r.createdAt),
      h('span', { class: 'error-text' }, r.lastError ?? ''),
    ]), { empty: 'No request matches.', id: 'request-table' }),
    reply.next ? link(`#/requests?${new URLSearchParams({ ...filter, after: reply.next })}`, 'Next page →') : null,
  );
};

async function requestDetail(ctx: ViewContext, requestKey: string): Promise<() => void> {
  const body = h('div', { id: 'request-detail' });
  fill(ctx.root, h('p', {}, link('#/requests', '← Requests')), h('h2', {}, 'Request ', h('code', {}, requestKey.slice(0, 16))), body);

  let drawing = Promise.resolve();
  const load = () => {
    drawing = drawing.then(async () => {
      const detail = await call<Detail>('adminGetRequest', { requestKey });
      if (ctx.isCurrent()) drawDetail(ctx, body, detail, load);
    }).catch((error) => { fill(body, h('p', { class: 'error', role: 'alert' }, errorText(error))); });
    return drawing;
  };
  await load();
  // The status mirror moves as the request runs: redraw on each change, no reload, no polling.
  let lastSeen = '';
  return onSnapshot(doc(ctx.services.db, 'generation_status', requestKey), (snapshot) => {
    const data = snapshot.data();
    const seen = `${data?.status}|${data?.attempt}|${data?.generated}`;
    if (data && lastSeen && seen !== lastSeen) {
      void load();
      // The attempt's row is recorded just after its final status: draw once more to show it.
      if (data.status === 'done' || data.status === 'failed') setTimeout(() => { if (ctx.isCurrent()) void load(); }, 1500);
    }
    lastSeen = seen;
  }, () => undefined);
}

function drawDetail(ctx: ViewContext, body: HTMLElement, d: Detail, reload: () => Promise<void>): void {
  const r = d.request;
  const act = (name: 'adminRetryRequests' | 'adminCancelRequests', label: string) => h('button', {
    type: 'button', class: `action${name === 'adminCancelRequests' ? ' danger' : ''}`, id: `request-${label.toLowerCase()}`,
    onclick: async () => {
      try {
        const reply = await call<BulkReply>(name, { requestKeys: [r.requestKey] });
        toast(reply.changed ? `${label}: done` : `${label}: left alone (status ${r.status})`);
        await reload();
      } catch (error) {
        toast(errorText(error));
      }
    },
  }, label);
  const canRetry = r.status !== 'done';
  const canCancel = r.status === 'pending' || r.status === 'running';
  fill(body, 
    ctx.canAct ? h('div', { class: 'actions' }, canRetry ? act('adminRetryRequests', 'Retry') : null, canCancel ? act('adminCancelRequests', 'Cancel') : null) : null,
    h('dl', {},
      h('dt', {}, 'status'), h('dd', { id: 'request-status' }, statusBadge(r.status)),
      h('dt', {}, 'request key'), h('dd', {}, h('code', {}, r.requestKey)),
      h('dt', {}, 'pool'), h('dd', {}, link(`#/pools/${encodeURIComponent(r.poolKey)}`, h('code', {}, r.poolKey)), d.pool ? ` — ${d.pool.count} questions, written ${when(d.pool.updatedAt)}` : ' — not written yet'),
      // One row per pool (issue 17 §4): its requesters asked for this target or less; a request for more raised it.
      h('dt', {}, 'target'), h('dd', { title: 'the pool\'s: a request for more raises it, one for less joins it' }, String(r.targetCount)),
      h('dt', {}, 'attempts'), h('dd', {}, `${r.attempts} of ${r.maxAttempts}`),
      h('dt', {}, 'last error'), h('dd', { class: 'error-text' }, r.lastError ?? '—'),
      h('dt', {}, 'created / finished'), h('dd', {}, `${when(r.createdAt)} / ${when(r.finishedAt)}`),
      h('dt', {}, 'tokens in / out'), h('dd', {}, `${num(r.tokensIn)} / ${num(r.tokensOut)}`),
      h('dt', {}, 'stored result'), h('dd', { id: 'request-result' }, r.resultBytes === null ? 'none' : `${num(r.resultBytes)} bytes, ${r.questionsInResult ?? 0} questions (${r.generator ?? '?'}, ${r.model ?? '?'})`),
      h('dt', {}, 'rejected by reason'), h('dd', { id: 'request-rejected' }, byReason(r.rejected)),
      h('dt', {}, 'verifier'), h('dd', { id: 'request-verification' }, r.verification ? `${r.verification.model}: ${r.verification.calls} calls, tokens ${num(r.verification.tokensIn)} / ${num(r.verification.tokensOut)} (part of the totals above); ${Object.entries(r.verification.verdicts).map(([k, v]) => `${k}: ${v}`).join(', ')}` : 'not verified'),
      h('dt', {}, 'params'), h('dd', {}, h('code', {}, JSON.stringify(r.params))),
    ),
    h('h3', {}, 'Requesters'),
    table(['uid', 'email', 'asked'], d.requesters.map((q) => [h('code', {}, q.uid), q.email ?? '—', when(q.requestedAt)])),
    h('h3', {}, 'Attempts'),
    table(['#', 'started', 'duration', 'outcome', 'model calls', 'tokens in/out', 'error'], d.attempts.map((a) => [
      String(a.attempt), when(a.startedAt), ms(a.durationMs), statusBadge(a.outcome), String(a.modelCalls), `${a.tokensIn}/${a.tokensOut}`, h('span', { class: 'error-text' }, a.error ?? ''),
    ]), { empty: 'No attempt finished yet.', id: 'attempts-timeline' }),
  );
}
