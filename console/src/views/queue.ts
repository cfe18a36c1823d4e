import { age, card, errorText, h, link, num, statusBadge, table, toast, when, fill } from '../dom';
import { call } from '../firebase';
import type { View } from './types';

type QueueStatus = {
  mode: 'cloud-tasks' | 'emulator';
  unavailable?: string;
  queue?: {
    name: string; state: string; tasks: number; oldestTaskAt: string | null; dispatchedLastMinute: number; concurrentDispatches: number;
    maxDispatchesPerSecond: number | null; maxConcurrentDispatches: number | null; maxAttempts: number | null;
  };
  work: {
    pending: number; running: number; deferred: number; expiredLeases: number; oldestPendingAt: string | null;
    rows: Array<{ requestKey: string; poolKey: string; status: string; attempts: number; leaseExpiresAt: string | null; notBefore: string | null; createdAt: string }>;
  };
};

export const queueView: View = async (ctx) => {
  const s = await call<QueueStatus>('adminQueueStatus');
  if (!ctx.isCurrent()) return;
  const control = (action: 'pause' | 'resume' | 'purge', label: string) => h('button', {
    type: 'button', class: `action${action === 'purge' ? ' danger' : ''}`, id: `queue-${action}`,
    onclick: async () => {
      if (action === 'purge' && !window.confirm(`Purge removes all ${s.queue?.tasks ?? 0} tasks of the queue (Postgres keeps the requests; the sweeper re-enqueues expired leases). Go on?`)) return;
      try {
        const reply = await call<{ state?: string; purged?: number }>('adminQueueControl', { action });
        toast(`${action}: ${reply.purged !== undefined ? `${reply.purged} tasks removed` : reply.state ?? 'done'}`);
        ctx.navigate(`#/queue?t=${Date.now()}`);
      } catch (error) {
        toast(errorText(error));
      }
    },
  }, label);
  const q = s.queue;
  fill(ctx.root, 
    h('h2', {}, 'Queue ', h('small', { class: 'muted' }, 'generateQuestionPool')),
    s.unavailable ? h('p', { class: 'notice', id: 'queue-unavailable' }, s.unavailable) : null,
    q ? h('div', { class: 'cards', id: 'queue-cards' },
      card('state', q.state, { bad: q.state !== 'RUNNING' }), card('tasks', num(q.tasks)), card('oldest task', age(q.oldestTaskAt)),
      card('dispatched last minute', num(q.dispatchedLastMinute)), card('in flight', num(q.concurrentDispatches)),
      card('max dispatches/s', q.maxDispatchesPerSecond ?? '—'), card('max concurrent', q.maxConcurrentDispatches ?? '—'), card('max attempts', q.maxAttempts ?? '—')) : null,
    q && ctx.canAct ? h('div', { class: 'actions' }, q.state === 'PAUSED' ? control('resume', 'Resume') : control('pause', 'Pause'), control('purge', `Purge ${q.tasks} tasks`)) : null,
    h('h3', {}, 'Work in Postgres'),
    h('div', { class: 'cards', id: 'work-cards' },
      card('pending', num(s.work.pending)), card('running', num(s.work.running)), card('deferred', num(s.work.deferred)),
      card('expired leases', num(s.work.expiredLeases), { bad: s.work.expiredLeases > 0 }), card('oldest pending', age(s.work.oldestPendingAt))),
    table(['request', 'pool', 'status', 'attempts', 'lease until', 'not before', 'created'], s.work.rows.map((r) => [
      link(`#/requests/${r.requestKey}`, h('code', {}, r.requestKey.slice(0, 12))), h('code', {}, r.poolKey), statusBadge(r.status), String(r.attempts), when(r.leaseExpiresAt), when(r.notBefore), when(r.createdAt),
    ]), { empty: 'Nothing pending or running.', id: 'work-table' }),
  );
};
