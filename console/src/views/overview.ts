import { doc, onSnapshot } from 'firebase/firestore';
import { age, card, errorText, h, link, ms, num, percent, table, usd, when, fill } from '../dom';
import { call } from '../firebase';
import type { View } from './types';

export type OverviewStats = {
  computedAt: string;
  requestsByStatus: Record<'pending' | 'running' | 'done' | 'failed', number>;
  last24h: { attempts: number; done: number; failed: number; successRate: number | null; p50DurationMs: number | null; p95DurationMs: number | null; modelCalls: number };
  today: { tokensIn: number; tokensOut: number; tokens: number; tokenBudget: number; budgetUsed: number; costUsd: number };
  queue: { pending: number; running: number; deferred: number; oldestPendingAt: string | null };
  errorsLastHour: number;
  failingProviders: Array<{ provider: string; kind: string; error: string; at: string }>;
};

/** Older than this, the overview asks the backend to recompute the mirror once (nothing moved lately). */
const STALE_MS = 30_000;

export const overviewView: View = async (ctx) => {
  const cards = h('div', { class: 'cards', id: 'overview-cards' });
  const providers = h('div', { id: 'failing-providers' });
  const updated = h('small', { id: 'overview-updated', class: 'muted' });
  fill(ctx.root, 
    h('h2', {}, 'Overview ', updated),
    cards,
    h('h3', {}, 'Failing providers'),
    providers,
    h('p', { class: 'muted' }, 'Live: the backend keeps admin_stats/generation current as requests change state; this page listens to it.'),
  );

  const draw = (s: OverviewStats) => {
    const r = s.requestsByStatus;
    fill(cards, 
      card('pending', num(r.pending)),
      card('running', num(r.running)),
      card('done', num(r.done)),
      card('failed', num(r.failed), { bad: r.failed > 0 }),
      card('success rate 24 h', percent(s.last24h.successRate), { bad: s.last24h.successRate !== null && s.last24h.successRate < 0.9 }),
      card('p50 run', ms(s.last24h.p50DurationMs)),
      card('p95 run', ms(s.last24h.p95DurationMs)),
      card('tokens today', num(s.today.tokens), { note: `of ${num(s.today.tokenBudget)} (${percent(s.today.budgetUsed)})`, bad: s.today.budgetUsed >= 0.9 }),
      card('cost today', usd(s.today.costUsd)),
      card('queue depth', num(s.queue.pending + s.queue.running), { note: s.queue.oldestPendingAt ? `oldest ${age(s.queue.oldestPendingAt)}` : undefined }),
      card('errors last hour', num(s.errorsLastHour), { bad: s.errorsLastHour > 0 }),
    );
    fill(providers, table(['provider', 'kind', 'last error', 'when'],
      s.failingProviders.map((p) => [p.kind === 'discovery' ? link(`#/discovery?provider=${encodeURIComponent(p.provider)}`, p.provider) : p.provider, p.kind, h('span', { class: 'error-text' }, p.error), when(p.at)]),
      { empty: 'None: every provider answered its last call.' }));
    updated.textContent = `computed ${when(s.computedAt)}`;
    ctx.root.dataset.interactive = 'true';
  };

  let asked = false;
  const unsubscribe = onSnapshot(doc(ctx.services.db, 'admin_stats', 'generation'), (snapshot) => {
    const data = snapshot.data() as OverviewStats | undefined;
    if (data) draw(data);
    if (!asked && (!data || Date.now() - Date.parse(data.computedAt) > STALE_MS)) {
      asked = true;
      call<OverviewStats>('adminOverview').then((fresh) => { if (ctx.isCurrent() && !snapshot.exists()) draw(fresh); }).catch((error) => {
        updated.textContent = errorText(error);
      });
    }
  }, (error) => { updated.textContent = errorText(error); });
  return unsubscribe;
};
