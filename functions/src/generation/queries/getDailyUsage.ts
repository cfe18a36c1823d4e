import type { Queryable } from '../../shared/postgres';

export type DailyUsage = { requests: number; tokens: number };

/** Today's (UTC) counters for 'user:<uid>' or 'global'. */
export async function getDailyUsage(db: Queryable, subject: string): Promise<DailyUsage> {
  const { rows } = await db.query<{ requests: number; tokens: string }>(
    `SELECT requests, tokens FROM usage_daily WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = $1`,
    [subject],
  );
  return { requests: rows[0]?.requests ?? 0, tokens: Number(rows[0]?.tokens ?? 0) };
}
