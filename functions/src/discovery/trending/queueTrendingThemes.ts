import { acceptGenerationRequest, type AcceptDeps } from '../../generation/acceptGenerationRequest';
import type { Queryable } from '../../shared/postgres';
import { loadTrendingItems, TRENDING_FEEDS } from './loadTrendingItems';
import { TRENDING_THEME } from './trendingGenerator';

export const TRENDING_REQUESTER = 'system:trending';
export const TRENDING_LANGUAGES = ['en', 'fr', 'es'] as const;
export const TRENDING_POOL_SIZE = 20;
/** A subject needs this many cached items before its trending pool is worth asking for. */
const MIN_ITEMS = 8;

/** One pool per ISO week (version = year digit × 100 + week), so each week's charts get a fresh pool. */
export function weekVersion(now: Date): number {
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const day = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return (date.getUTCFullYear() % 10) * 100 + week;
}

export type TrendingQueued = { subject: string; lang: string; requestKey: string; status: string; created: boolean };

/**
 * Turns this week's cached trending lists into generation requests for themed pools. Requests go
 * through the same dedup as any other: running the job twice in a week costs nothing.
 */
export async function queueTrendingThemes(deps: AcceptDeps & { db: Queryable }, now = new Date()): Promise<{ queued: TrendingQueued[]; skipped: string[] }> {
  const queued: TrendingQueued[] = [];
  const skipped: string[] = [];
  for (const subject of Object.keys(TRENDING_FEEDS)) {
    const items = await loadTrendingItems(deps.db, subject);
    if (items.length < MIN_ITEMS) {
      skipped.push(subject);
      continue;
    }
    for (const lang of TRENDING_LANGUAGES) {
      const pool = { lang, country: 'US', level: 'medium', subject, theme: TRENDING_THEME, type: 'mcq', version: weekVersion(now) };
      const accepted = await acceptGenerationRequest(deps, TRENDING_REQUESTER, { pool, targetCount: TRENDING_POOL_SIZE });
      queued.push({ subject, lang, requestKey: accepted.requestKey, status: accepted.status, created: accepted.created });
    }
  }
  return { queued, skipped };
}
