import { doc, onSnapshot } from 'firebase/firestore';
import { age, card, errorText, h, link, ms, num, percent, table, usd, when, fill } from '../dom';
import { call } from '../firebase';
import { chart, type Chart, type ChartSpec } from '../charts';
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

type Outcome = 'done' | 'retry' | 'failed' | 'deferred' | 'lease-lost';
/** adminCharts' reply (contract/adminCharts.output.json). */
export type Charts = {
  computedAt: string;
  hourly: Array<{ hour: string; runs: Record<Outcome, number>; p50RunMs: number | null; p95RunMs: number | null; cacheHits: number; cacheMisses: number; cacheHitRatio: number | null }>;
  daily: Array<{ day: string; tokensIn: number; tokensOut: number; tokens: number; costUsd: number }>;
  tokenBudget: number;
  queue: Array<{ at: string; pending: number; running: number; deferred: number }>;
};

const OUTCOME_COLORS: Record<Outcome, string> = { done: '#1b7f3b', retry: '#f0b400', failed: '#b00020', deferred: '#4a6fd1', 'lease-lost': '#8a4baf' };
const sec = (iso: string) => Date.parse(iso) / 1000;
const compact = (v: number) => (Math.abs(v) >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : Math.abs(v) >= 1e3 ? `${(v / 1e3).toFixed(0)}k` : String(v));

/** The overview's five charts from one adminCharts reply (plus the live queue sample, if newer). */
function chartSpecs(c: Charts, live?: { at: string; pending: number; running: number; deferred: number }): ChartSpec[] {
  const hours = c.hourly.map((x) => sec(x.hour));
  const queue = live && (c.queue.length === 0 || Date.parse(live.at) > Date.parse(c.queue.at(-1)!.at)) ? [...c.queue, live] : c.queue;
  return [
    {
      id: 'chart-runs', title: 'Generation runs per hour, by outcome', x: hours, axes: [{ scale: 'runs', label: 'runs' }],
      series: (Object.keys(OUTCOME_COLORS) as Outcome[]).map((o) => ({ label: o, color: OUTCOME_COLORS[o], values: c.hourly.map((x) => x.runs[o]) })),
    },
    {
      id: 'chart-tokens', title: 'Model tokens and cost per day', note: `budget ${compact(c.tokenBudget)} tokens a day`, x: c.daily.map((d) => sec(`${d.day}T00:00:00Z`)),
      axes: [{ scale: 'tokens', label: 'tokens', format: compact }, { scale: 'usd', label: 'USD', format: (v) => `$${v.toFixed(2)}` }],
      series: [
        { label: 'tokens', color: '#4a6fd1', values: c.daily.map((d) => d.tokens), scale: 'tokens', bars: true },
        { label: 'budget', color: '#b00020', values: c.daily.map(() => c.tokenBudget), scale: 'tokens', dash: [6, 4] },
        { label: 'cost', color: '#1b7f3b', values: c.daily.map((d) => d.costUsd), scale: 'usd' },
      ],
    },
    {
      id: 'chart-runtime', title: 'Run time of done runs (p50, p95)', x: hours, axes: [{ scale: 'ms', label: 'seconds', format: (v) => `${(v / 1000).toFixed(1)}` }],
      series: [
        { label: 'p50', color: '#4a6fd1', values: c.hourly.map((x) => x.p50RunMs) },
        { label: 'p95', color: '#a15c00', values: c.hourly.map((x) => x.p95RunMs) },
      ],
    },
    {
      id: 'chart-cache', title: 'Discovery cache hit ratio per hour', x: hours, axes: [{ scale: '%', label: '% of reads', format: (v) => `${Math.round(v)}` }],
      series: [{ label: 'hit ratio %', color: '#1b7f3b', values: c.hourly.map((x) => (x.cacheHitRatio === null ? null : Math.round(x.cacheHitRatio * 1000) / 10)) }],
    },
    {
      id: 'chart-queue', title: 'Queue depth', note: 'a sample a minute, live', x: queue.map((q) => sec(q.at)), axes: [{ scale: 'requests', label: 'requests' }],
      series: [
        { label: 'pending', color: '#4a6fd1', values: queue.map((q) => q.pending) },
        { label: 'running', color: '#a15c00', values: queue.map((q) => q.running) },
        { label: 'deferred', color: '#8a4baf', values: queue.map((q) => q.deferred) },
      ],
    },
  ];
}

/** Charts are re-read this often while the overview is open (the rollup makes it cheap). */
const CHARTS_REFRESH_MS = 60_000;

/** Older than this, the overview asks the backend to recompute the mirror once (nothing moved lately). */
const STALE_MS = 30_000;

export const overviewView: View = async (ctx) => {
  const cards = h('div', { class: 'cards', id: 'overview-cards' });
  const providers = h('div', { id: 'failing-providers' });
  const updated = h('small', { id: 'overview-updated', class: 'muted' });
  const chartBox = h('div', { class: 'charts', id: 'overview-charts' }, h('p', { class: 'muted' }, 'Loading charts…'));
  fill(ctx.root, 
    h('h2', {}, 'Overview ', updated),
    cards,
    chartBox,
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

  let charts: Chart[] = [];
  let lastCharts: Charts | undefined;
  let liveQueue: { at: string; pending: number; running: number; deferred: number } | undefined;
  const drawCharts = () => {
    if (!lastCharts) return;
    const specs = chartSpecs(lastCharts, liveQueue);
    if (charts.length === 0) {
      charts = specs.map(chart);
      fill(chartBox, ...charts.map((c) => c.element));
    } else specs.forEach((spec, i) => charts[i]!.update(spec));
    chartBox.dataset.computedAt = lastCharts.computedAt;
  };
  const loadCharts = async () => {
    try {
      const fresh = await call<Charts>('adminCharts', {});
      if (!ctx.isCurrent()) return;
      lastCharts = fresh;
      drawCharts();
    } catch (error) {
      if (ctx.isCurrent() && charts.length === 0) fill(chartBox, h('p', { class: 'error', role: 'alert' }, errorText(error)));
    }
  };
  await loadCharts();
  const timer = window.setInterval(() => { void loadCharts(); }, CHARTS_REFRESH_MS);

  let asked = false;
  const unsubscribe = onSnapshot(doc(ctx.services.db, 'admin_stats', 'generation'), (snapshot) => {
    const data = snapshot.data() as OverviewStats | undefined;
    if (data) {
      draw(data);
      // The queue chart's newest point follows the mirror live, at no extra read.
      liveQueue = { at: data.computedAt, pending: data.queue.pending, running: data.queue.running, deferred: data.queue.deferred };
      drawCharts();
    }
    if (!asked && (!data || Date.now() - Date.parse(data.computedAt) > STALE_MS)) {
      asked = true;
      call<OverviewStats>('adminOverview').then((fresh) => { if (ctx.isCurrent() && !snapshot.exists()) draw(fresh); }).catch((error) => {
        updated.textContent = errorText(error);
      });
    }
  }, (error) => { updated.textContent = errorText(error); });
  return () => {
    unsubscribe();
    window.clearInterval(timer);
    for (const c of charts) c.destroy();
  };
};
