import { errorText, h, link, num, percent, table, toast, when, fill } from '../dom';
import { call } from '../firebase';
import type { View, ViewContext } from './types';

// The review queue (issue 17 §3): what the verifier held and what the statistics or an admin
// flagged, with keep / fix the key / edit / remove. Each action sends the version it was shown:
// a question changed since is refused (failed-precondition) and the list is drawn again.

type Item = { kind: 'held'; requestKey: string; questionId: string } | { kind: 'flagged'; poolKey: string; questionId: string };
type Entry = {
  item: Item; version: string; poolKey: string; reason: string; detail: string | null; since: string | null;
  question: { prompt: string; choices: string[]; answerIndex: number; explanation: string; source?: string; model?: string };
  verifier: { verdict: string; answers: number[]; model: string } | null;
  stats: { answered: number; correct: number; correctRate: number | null; meanTimeMs: number | null; choices: Record<string, number> } | null;
};

const REASONS = ['key-disputed', 'ambiguous', 'time-sensitive', 'unverifiable', 'statistics', 'admin-flag'];

export const reviewView: View = async (ctx) => {
  const reason = ctx.query.get('reason') ?? '';
  const pool = ctx.query.get('pool') ?? '';
  const form = h('form', { class: 'filters', id: 'review-filters' },
    h('label', {}, 'Reason', h('select', { name: 'reason' }, h('option', { value: '' }, 'any'), REASONS.map((r) => h('option', { value: r, selected: r === reason }, r)))),
    h('label', {}, 'Pool key', h('input', { name: 'pool', value: pool, size: '40', placeholder: 'en|gb|easy|…' })),
    h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const query = new URLSearchParams();
    for (const name of ['reason', 'pool']) if (String(data.get(name) ?? '')) query.set(name, String(data.get(name)));
    ctx.navigate(`#/review?${query}`);
  });
  fill(ctx.root, h('h2', {}, 'Review'), form, h('p', { class: 'muted' }, 'Loading…'));
  const reply = await call<{ entries: Entry[]; next?: string }>('adminListReview', { reason: reason || undefined, poolKey: pool || undefined, limit: 25, after: ctx.query.get('after') ?? undefined });
  if (!ctx.isCurrent()) return;
  const reload = () => ctx.navigate(`#/review?${new URLSearchParams({ ...(reason ? { reason } : {}), ...(pool ? { pool } : {}), t: String(Date.now()) })}`);

  fill(ctx.root, h('h2', {}, 'Review'), form,
    h('p', { class: 'muted' }, 'Questions the verifier held (not in the pool yet) and pool questions flagged by the players\' statistics or an admin (not dealt). ',
      'Keep deals it as written; fix the key or edit deals the new version and restarts its statistics; remove drops it.'),
    table(['question', 'choices (key ✓, verifier ✗, picks)', 'why', 'answers', ...(ctx.canAct ? ['actions'] : [])], reply.entries.map((entry) => row(ctx, entry, reload)),
      { empty: 'Nothing to review.', id: 'review-table' }),
    reply.next ? link(`#/review?${new URLSearchParams({ ...(reason ? { reason } : {}), ...(pool ? { pool } : {}), after: reply.next })}`, 'Next page →') : null);
};

function row(ctx: ViewContext, entry: Entry, reload: () => void): Array<Node | string> {
  const q = entry.question;
  const verifierPicks = new Set(entry.verifier?.answers ?? []);
  const choices = h('ol', { class: 'choices', start: '0' }, q.choices.map((choice, i) => h('li', { class: i === q.answerIndex ? 'correct' : undefined, 'data-choice': String(i) },
    choice, i === q.answerIndex ? ' ✓' : '',
    verifierPicks.has(i) && i !== q.answerIndex ? h('span', { class: 'verifier' }, ' ✗ verifier') : null,
    entry.stats ? h('span', { class: 'picks' }, ` · ${num(entry.stats.choices[String(i)] ?? 0)} picks`) : null)));
  const where = entry.item.kind === 'held'
    ? h('small', { class: 'muted' }, 'held with request ', link(`#/requests/${entry.item.requestKey}`, h('code', {}, entry.item.requestKey.slice(0, 12))), ' · pool ', h('code', {}, entry.poolKey))
    : h('small', { class: 'muted' }, 'flagged in pool ', link(`#/pools/${encodeURIComponent(entry.poolKey)}?state=flagged`, h('code', {}, entry.poolKey)));
  return [
    h('div', { 'data-review-id': entry.item.questionId, 'data-review-kind': entry.item.kind }, q.prompt, h('br'), where, h('br'), h('small', { class: 'muted' }, `${entry.item.questionId.slice(0, 12)} · ${q.source ?? ''} ${q.model ?? ''}`)),
    choices,
    h('div', { 'data-reason': entry.reason }, h('b', {}, entry.reason), entry.detail ? h('div', {}, h('small', {}, entry.detail)) : null,
      entry.verifier ? h('div', {}, h('small', { class: 'muted' }, `verifier ${entry.verifier.model}: ${entry.verifier.verdict}, answered ${entry.verifier.answers.map((a) => (a < 0 ? '—' : String(a))).join(', ')}`)) : null,
      h('div', {}, h('small', { class: 'muted' }, `since ${when(entry.since)}`))),
    entry.stats
      ? h('div', {}, `${num(entry.stats.answered)} answers · ${percent(entry.stats.correctRate)} correct`)
      : h('span', { class: 'muted' }, entry.item.kind === 'held' ? 'never dealt' : 'never answered'),
    ...(ctx.canAct ? [actions(entry, reload)] : []),
  ];
}

function actions(entry: Entry, reload: () => void): HTMLElement {
  const q = entry.question;
  const base = { item: entry.item, version: entry.version };
  const id = entry.item.questionId;
  const run = async (name: string, data: Record<string, unknown>, label: string) => {
    try {
      const outcome = await call<{ repeated: boolean; statsReset: boolean }>(name, { ...base, ...data });
      toast(`${id.slice(0, 8)}: ${label}${outcome.statsReset ? ' (statistics reset)' : ''}`);
    } catch (error) {
      toast(errorText(error));
    }
    reload();
  };
  const button = (action: string, label: string, onclick: () => void, danger = false) =>
    h('button', { type: 'button', class: `action${danger ? ' danger' : ''}`, 'data-review-action': action, 'data-question': id, onclick }, label);

  const fixTo = h('select', { 'data-fix-select': id, 'aria-label': 'new key' },
    q.choices.map((choice, i) => h('option', { value: String(i), disabled: i === q.answerIndex, selected: i === (entry.verifier?.answers.find((a) => a >= 0 && a !== q.answerIndex) ?? (q.answerIndex === 0 ? 1 : 0)) }, `${i}: ${choice}`)));

  const edit = h('form', { class: 'review-edit', hidden: true, 'data-edit-form': id },
    h('label', {}, 'Question', h('textarea', { name: 'prompt', rows: '2' }, q.prompt)),
    h('label', {}, 'Choices, one a line', h('textarea', { name: 'choices', rows: String(q.choices.length) }, q.choices.join('\n'))),
    h('label', {}, 'Key (0 = first line)', h('input', { name: 'answerIndex', type: 'number', min: '0', max: '5', value: String(q.answerIndex) })),
    h('label', {}, 'Explanation', h('textarea', { name: 'explanation', rows: '2' }, q.explanation)),
    h('button', { type: 'submit', class: 'action', 'data-review-action': 'edit-save' }, 'Save edit'));
  edit.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(edit);
    void run('adminReviewEdit', {
      prompt: String(data.get('prompt') ?? '').trim(),
      choices: String(data.get('choices') ?? '').split('\n').map((c) => c.trim()).filter(Boolean),
      answerIndex: Number(data.get('answerIndex')),
      explanation: String(data.get('explanation') ?? '').trim(),
    }, 'edited');
  });

  return h('div', { class: 'actions' },
    button('keep', 'Keep', () => void run('adminReviewKeep', {}, 'kept')),
    h('span', {}, fixTo, button('fix-key', 'Fix key', () => void run('adminReviewFixKey', { answerIndex: Number(fixTo.value) }, `key set to ${fixTo.value}`))),
    button('edit', 'Edit…', () => { edit.hidden = !edit.hidden; }),
    button('remove', 'Remove', () => {
      const reason = window.prompt('Why remove this question?', 'wrong and not worth fixing');
      if (reason !== null) void run('adminReviewRemove', { reason }, 'removed');
    }, true),
    edit);
}
