import { h, link, table, when, fill } from '../dom';
import { call } from '../firebase';
import type { View } from './types';

type AuditRow = { id: string; at: string; actorUid: string; actorEmail: string | null; action: string; target: string | null; params: unknown; outcome: 'ok' | 'error'; result: unknown; error: string | null };

export const auditView: View = async (ctx) => {
  const filter = { action: ctx.query.get('action') ?? '', actor: ctx.query.get('actor') ?? '', target: ctx.query.get('target') ?? '' };
  const form = h('form', { class: 'filters', id: 'audit-filters' },
    h('label', {}, 'Action', h('input', { name: 'action', value: filter.action, size: '20' })),
    h('label', {}, 'Actor (uid or email)', h('input', { name: 'actor', value: filter.actor, size: '24' })),
    h('label', {}, 'Target', h('input', { name: 'target', value: filter.target, size: '24' })),
    h('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value)) params.set(key, String(value));
    ctx.navigate(`#/audit?${params}`);
  });
  const reply = await call<{ actions: AuditRow[]; next?: string }>('adminListAudit', {
    action: filter.action || undefined, actor: filter.actor || undefined, target: filter.target || undefined, before: ctx.query.get('before') ?? undefined, limit: 50,
  });
  if (!ctx.isCurrent()) return;
  const next = new URLSearchParams(ctx.query);
  if (reply.next) next.set('before', reply.next);
  fill(ctx.root, h('h2', {}, 'Audit log'), form,
    table(['when', 'who', 'action', 'target', 'parameters', 'outcome', 'result'], reply.actions.map((a) => [
      when(a.at), a.actorEmail ?? a.actorUid, h('code', {}, a.action), a.target ? h('code', {}, a.target) : '—', h('code', {}, JSON.stringify(a.params ?? {}).slice(0, 300)),
      h('span', { class: a.outcome === 'ok' ? 'status-done' : 'status-failed' }, a.outcome), a.outcome === 'ok' ? h('code', {}, JSON.stringify(a.result ?? null).slice(0, 200)) : h('span', { class: 'error-text' }, a.error ?? ''),
    ]), { empty: 'No admin action recorded.', id: 'audit-table' }),
    reply.next ? link(`#/audit?${next}`, 'Older →') : null);
};
