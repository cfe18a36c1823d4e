import { age, errorText, h, link, num, percent, table, toast, when, fill } from '../dom';
import { call } from '../firebase';
import type { View, ViewContext } from './types';

type Entry = {
  cacheKey: string; provider: string; endpoint: string; category: string | null; period: string | null; items: number; updatedAt: string; expiresAt: string;
  fetches: number; misses: number; hitRatio: number | null; refreshes: number; lastError: string | null; lastErrorAt: string | null;
};
const PROVIDERS = ['tmdb', 'jikan', 'rawg', 'igdb', 'deezer', 'itunes'];

export const discoveryView: View = async (ctx) => {
  if (ctx.path[0]) return entryDetail(ctx, ctx.path[0]);
  const provider = ctx.query.get('provider') ?? '';
  const reply = await call<{ entries: Entry[] }>('adminListDiscovery', { provider: provider || undefined });
  if (!ctx.isCurrent()) return;
  const refresh = (target: { provider?: string; key?: string }, label: string, id: string) => h('button', {
    type: 'button', class: 'action', id, onclick: async (event: Event) => {
      const button = event.currentTarget as HTMLButtonElement;
      button.disabled = true;
      try {
        const r = await call<{ refreshed: number; failed: number }>('refreshDiscoveryNow', target);
        toast(`refreshed ${r.refreshed}, failed ${r.failed}`);
        ctx.navigate(`#/discovery?${new URLSearchParams({ ...(provider ? { provider } : {}), t: String(Date.now()) })}`);
      } catch (error) {
        toast(errorText(error));
        button.disabled = false;
      }
    },
  }, label);
  const filter = h('p', {}, 'Provider: ', ...['', ...PROVIDERS].flatMap((p, i) => [i ? ' · ' : '', p === provider ? h('b', {}, p || 'all') : link(p ? `#/discovery?provider=${p}` : '#/discovery', p || 'all')]));
  fill(ctx.root, 
    h('h2', {}, 'Discovery cache'),
    filter,
    ctx.canAct ? h('div', { class: 'actions' }, ...(provider ? [provider] : PROVIDERS).map((p) => refresh({ provider: p }, `Refresh ${p} now`, `refresh-${p}`))) : null,
    table(['list', 'items', 'hit ratio', 'fetches', 'refreshes', 'age', 'expires', 'last error', ...(ctx.canAct ? [''] : [])], reply.entries.map((e) => [
      link(`#/discovery/${encodeURIComponent(e.cacheKey)}`, h('code', {}, e.cacheKey)), num(e.items), percent(e.hitRatio), num(e.fetches), num(e.refreshes), age(e.updatedAt), when(e.expiresAt),
      e.lastError ? h('span', { class: 'error-text' }, `${e.lastError} (${age(e.lastErrorAt)} ago)`) : '—',
      ...(ctx.canAct ? [refresh({ key: e.cacheKey }, 'Refresh', `refresh-key-${e.cacheKey}`)] : []),
    ]), { empty: 'Nothing cached yet.', id: 'discovery-table' }),
  );
};

async function entryDetail(ctx: ViewContext, cacheKey: string): Promise<void> {
  const { entry } = await call<{ entry: Entry & { data: unknown } }>('adminGetDiscoveryEntry', { cacheKey });
  if (!ctx.isCurrent()) return;
  const items = Array.isArray(entry.data) ? entry.data as Array<Record<string, unknown>> : [];
  fill(ctx.root, 
    h('p', {}, link(`#/discovery?provider=${entry.provider}`, '← Discovery')),
    h('h2', {}, h('code', {}, cacheKey)),
    h('p', {}, `${entry.items} items, updated ${when(entry.updatedAt)}, expires ${when(entry.expiresAt)}, hit ratio ${percent(entry.hitRatio)}`),
    items.length
      ? table(['#', 'title', 'year', 'details'], items.map((item, i) => [String(i + 1), String(item.title ?? item.name ?? '—'), String(item.year ?? item.releaseDate ?? '—'), h('code', {}, JSON.stringify(item).slice(0, 200))]), { id: 'discovery-items' })
      : h('pre', { id: 'discovery-items' }, JSON.stringify(entry.data, null, 2)),
  );
}
