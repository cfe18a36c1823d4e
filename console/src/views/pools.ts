import { errorText, h, link, num, table, toast, when, fill } from '../dom';
import { call } from '../firebase';
import type { View, ViewContext } from './types';

type PoolRow = { poolKey: string; lang: string | null; generator: string | null; size: number | null; lastWriteAt: string | null; requests: number };
type Question = {
  id: string; prompt: string; choices: string[]; answerIndex: number; explanation?: string; source?: string; model?: string;
  state: 'active' | 'flagged' | 'removed'; stateReason: string | null; stateBy: string | null; stateAt: string | null;
};
type PoolQuestions = { pool: { poolKey: string; params: Record<string, unknown> | null; count: number; updatedAt: string | null }; questions: Question[]; next?: string };

export const poolsView: View = async (ctx) => {
  if (ctx.path[0]) return poolDetail(ctx, ctx.path[0]);
  const prefix = ctx.query.get('prefix') ?? '';
  const form = h('form', { class: 'filters', id: 'pool-filters' },
    h('label', {}, 'Pool key prefix', h('input', { name: 'prefix', value: prefix, size: '30', placeholder: 'en|gb|' })),
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`#/pools?${new URLSearchParams({ prefix: String(new FormData(form).get('prefix') ?? '') })}`);
  });
  fill(ctx.root, h('h2', {}, 'Pools'), form, h('p', { class: 'muted' }, 'Loading…'));
  const reply = await call<{ pools: PoolRow[]; next?: string }>('adminListPools', { prefix: prefix || undefined, limit: 50, after: ctx.query.get('after') ?? undefined });
  if (!ctx.isCurrent()) return;
  fill(ctx.root, h('h2', {}, 'Pools'), form,
    table(['pool', 'questions', 'language', 'generator', 'last write', 'requests'], reply.pools.map((p) => [
      link(`#/pools/${encodeURIComponent(p.poolKey)}`, h('code', {}, p.poolKey)), num(p.size), p.lang ?? '—', p.generator ?? '—', when(p.lastWriteAt), String(p.requests),
    ]), { empty: 'No pool matches.', id: 'pool-table' }),
    reply.next ? link(`#/pools?${new URLSearchParams({ prefix, after: reply.next })}`, 'Next page →') : null);
};

async function poolDetail(ctx: ViewContext, poolKey: string): Promise<void> {
  const state = ctx.query.get('state') ?? 'all';
  const reply = await call<PoolQuestions>('adminListPoolQuestions', { poolKey, state, limit: 100, after: ctx.query.get('after') ?? undefined });
  if (!ctx.isCurrent()) return;
  const reload = () => ctx.navigate(`#/pools/${encodeURIComponent(poolKey)}?${new URLSearchParams({ state, t: String(Date.now()) })}`);

  const setState = (q: Question, next: Question['state'], label: string) => h('button', {
    type: 'button', class: `action${next === 'removed' ? ' danger' : ''}`, 'data-question': q.id, 'data-set-state': next,
    onclick: async () => {
      const reason = next === 'active' ? 'kept by an admin' : window.prompt(`Why ${next === 'removed' ? 'remove' : 'flag'} this question?`, next === 'removed' ? 'wrong answer' : 'needs review');
      if (reason === null) return;
      try {
        await call('adminSetQuestionState', { poolKey, questionId: q.id, state: next, reason });
        toast(`question ${q.id.slice(0, 8)}: ${next}`);
        reload();
      } catch (error) {
        toast(errorText(error));
      }
    },
  }, label);

  const topUp = h('form', { class: 'filters', id: 'topup-form' },
    h('label', {}, 'Top up to', h('input', { name: 'targetCount', type: 'number', min: String(reply.pool.count + 1), max: '500', value: String(reply.pool.count + 10), required: true })),
    h('button', { type: 'submit', class: 'action' }, 'Top up'));
  topUp.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const result = await call<{ requestKey: string; status: string }>('adminTopUpPool', { poolKey, targetCount: Number(new FormData(topUp).get('targetCount')) });
      toast(`top-up request ${result.requestKey.slice(0, 12)} is ${result.status}`);
      ctx.navigate(`#/requests/${result.requestKey}`);
    } catch (error) {
      toast(errorText(error));
    }
  });

  const states = ['all', 'active', 'flagged', 'removed'].map((s) => s === state ? h('b', {}, s) : link(`#/pools/${encodeURIComponent(poolKey)}?state=${s}`, s));
  fill(ctx.root, 
    h('p', {}, link('#/pools', '← Pools'), ' · ', link(`#/requests?${new URLSearchParams({ pool: poolKey })}`, 'its requests')),
    h('h2', {}, 'Pool ', h('code', {}, poolKey)),
    h('p', {}, `${reply.pool.count} questions, last write ${when(reply.pool.updatedAt)}. Show: `, ...states.flatMap((s, i) => (i ? [' · ', s] : [s]))),
    ctx.canAct ? topUp : null,
    table(['question', 'answers', 'state', ...(ctx.canAct ? ['actions'] : [])], reply.questions.map((q) => [
      h('div', {}, q.prompt, h('br'), h('small', { class: 'muted' }, `${q.id.slice(0, 12)} · ${q.source ?? ''} ${q.model ?? ''}`)),
      h('ol', { class: 'choices' }, q.choices.map((c, i) => h('li', { class: i === q.answerIndex ? 'correct' : undefined }, c))),
      h('div', { 'data-state': q.state }, q.state, q.stateReason ? h('small', { class: 'muted' }, ` — ${q.stateReason}${q.stateBy ? ` (${q.stateBy}, ${when(q.stateAt)})` : ''}`) : null),
      ...(ctx.canAct ? [h('div', { class: 'actions' },
        q.state !== 'removed' ? setState(q, 'removed', 'Remove') : null,
        q.state === 'active' ? setState(q, 'flagged', 'Flag') : null,
        q.state !== 'active' ? setState(q, 'active', 'Keep') : null)] : []),
    ]), { empty: 'No question in this state.', id: 'question-table' }),
    reply.next ? link(`#/pools/${encodeURIComponent(poolKey)}?${new URLSearchParams({ state, after: reply.next })}`, 'Next page →') : null,
  );
}
