import { byReason, card, errorText, h, link, ms, num, percent, table, toast, when, fill } from '../dom';
import { chart } from '../charts';
import { call } from '../firebase';
import type { View, ViewContext } from './types';

type PoolRow = { poolKey: string; lang: string | null; generator: string | null; size: number | null; lastWriteAt: string | null; requests: number; rejected?: Record<string, number> };
type Question = {
  id: string; prompt: string; choices: string[]; answerIndex: number; explanation?: string; source?: string; model?: string;
  state: 'active' | 'flagged' | 'removed'; stateReason: string | null; stateBy: string | null; stateAt: string | null;
  /** From the games' answer statistics; null when no game has dealt it yet. */
  answers: { answered: number; correct: number; correctRate: number | null; meanTimeMs: number | null } | null;
};
type StateCounts = Record<'active' | 'flagged' | 'removed', number>;
type PoolQuestions = { pool: { poolKey: string; params: Record<string, unknown> | null; count: number; updatedAt: string | null; states: StateCounts; rejected?: Record<string, number> }; questions: Question[]; next?: string };

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
    table(['pool', 'questions', 'language', 'generator', 'last write', 'requests', 'rejected by reason'], reply.pools.map((p) => [
      link(`#/pools/${encodeURIComponent(p.poolKey)}`, h('code', {}, p.poolKey)), num(p.size), p.lang ?? '—', p.generator ?? '—', when(p.lastWriteAt), String(p.requests),
      h('small', { 'data-rejected': p.poolKey }, byReason(p.rejected)),
    ]), { empty: 'No pool matches.', id: 'pool-table' }),
    reply.next ? link(`#/pools?${new URLSearchParams({ prefix, after: reply.next })}`, 'Next page →') : null);
};

async function poolDetail(ctx: ViewContext, poolKey: string): Promise<(() => void) | undefined> {
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
  const counts = reply.pool.states;
  // Answer statistics of the questions listed here (a pool of up to 100 questions: all of them).
  const answered = reply.questions.filter((q) => q.answers);
  const answers = answered.reduce((a, q) => a + q.answers!.answered, 0);
  const correct = answered.reduce((a, q) => a + q.answers!.correct, 0);
  const timeSum = answered.reduce((a, q) => a + (q.answers!.meanTimeMs ?? 0) * q.answers!.answered, 0);
  const buckets = Array.from({ length: 10 }, () => 0);
  for (const q of answered) buckets[Math.min(9, Math.floor((q.answers!.correctRate ?? 0) * 10))]! += 1;
  const rateChart = answered.length > 0 ? chart({
    id: 'chart-correct-rate', title: 'Questions by correct rate', note: 'answered questions listed here',
    x: buckets.map((_, i) => i * 10 + 5), xAxis: { label: '% of answers correct', range: [0, 100], format: (v) => `${v}` },
    axes: [{ scale: 'questions', label: 'questions' }],
    series: [{ label: 'questions', color: '#4a6fd1', values: buckets, bars: true }],
  }) : undefined;
  fill(ctx.root, 
    h('p', {}, link('#/pools', '← Pools'), ' · ', link(`#/requests?${new URLSearchParams({ pool: poolKey })}`, 'its requests')),
    h('h2', {}, 'Pool ', h('code', {}, poolKey)),
    h('div', { class: 'cards', id: 'pool-states' },
      card('active', link(`#/pools/${encodeURIComponent(poolKey)}?state=active`, num(counts.active))),
      card('flagged', link(`#/pools/${encodeURIComponent(poolKey)}?state=flagged`, num(counts.flagged)), { bad: counts.flagged > 0 }),
      card('removed', link(`#/pools/${encodeURIComponent(poolKey)}?state=removed`, num(counts.removed))),
      card('answered questions', num(answered.length), { note: `of ${num(reply.questions.length)} listed` }),
      card('answers', num(answers)),
      card('correct', percent(answers > 0 ? correct / answers : null)),
      card('mean answer time', ms(answers > 0 ? timeSum / answers : null)),
    ),
    rateChart ? h('div', { class: 'charts', id: 'pool-charts' }, rateChart.element) : null,
    h('p', {}, `${reply.pool.count} questions, last write ${when(reply.pool.updatedAt)}. Show: `, ...states.flatMap((s, i) => (i ? [' · ', s] : [s]))),
    h('p', { id: 'pool-rejected' }, 'Rejected by the gate, linter and verifier (all requests): ', byReason(reply.pool.rejected), ' · ',
      link(`#/review?${new URLSearchParams({ pool: poolKey })}`, 'its review queue')),
    ctx.canAct ? topUp : null,
    table(['question', 'answers', 'answered', 'state', ...(ctx.canAct ? ['actions'] : [])], reply.questions.map((q) => [
      h('div', {}, q.prompt, h('br'), h('small', { class: 'muted' }, `${q.id.slice(0, 12)} · ${q.source ?? ''} ${q.model ?? ''}`)),
      h('ol', { class: 'choices' }, q.choices.map((c, i) => h('li', { class: i === q.answerIndex ? 'correct' : undefined }, c))),
      h('div', { 'data-answers': q.answers ? String(q.answers.answered) : '0' }, q.answers
        ? [`${num(q.answers.answered)} · ${percent(q.answers.correctRate)} correct`, h('br'), h('small', { class: 'muted' }, `mean ${ms(q.answers.meanTimeMs)}`)]
        : h('span', { class: 'muted' }, 'never answered')),
      h('div', { 'data-state': q.state }, q.state, q.stateReason ? h('small', { class: 'muted' }, ` — ${q.stateReason}${q.stateBy ? ` (${q.stateBy}, ${when(q.stateAt)})` : ''}`) : null),
      ...(ctx.canAct ? [h('div', { class: 'actions' },
        q.state !== 'removed' ? setState(q, 'removed', 'Remove') : null,
        q.state === 'active' ? setState(q, 'flagged', 'Flag') : null,
        q.state !== 'active' ? setState(q, 'active', 'Keep') : null)] : []),
    ]), { empty: 'No question in this state.', id: 'question-table' }),
    reply.next ? link(`#/pools/${encodeURIComponent(poolKey)}?${new URLSearchParams({ state, after: reply.next })}`, 'Next page →') : null,
  );
  return rateChart ? () => rateChart.destroy() : undefined;
}
