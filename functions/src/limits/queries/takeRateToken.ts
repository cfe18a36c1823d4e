import type { Queryable } from '../../shared/postgres';

export type TakeRateTokenInput = { subject: string; action: string; capacity: number; refillPerSecond: number; /** Tokens this call costs (default 1). */ cost?: number };
export type TakeRateTokenResult = { allowed: boolean; tokens: number };

/**
 * One call against a token bucket, in one statement: refill from the time elapsed (Postgres'
 * clock, capped at `capacity`), then, if at least one token is there, take the call's `cost` —
 * possibly into debt, which later calls wait out. A call worth many tokens (50 answers) is never
 * refused for ever, and over time no caller gets more than the refill rate. A new bucket starts full.
 */
export async function takeRateToken(db: Queryable, input: TakeRateTokenInput): Promise<TakeRateTokenResult> {
  const { rows } = await db.query<{ allowed: boolean; tokens: number }>({
    name: 'rate-bucket-take',
    // Every expression of SET sees the row as it was; now() is one instant for the whole statement.
    text: `INSERT INTO rate_buckets AS b (subject, action, tokens, updated_at, allowed)
           VALUES ($1, $2, CASE WHEN $3::float8 >= 1 THEN $3::float8 - $5::float8 ELSE $3::float8 END, now(), $3::float8 >= 1)
           ON CONFLICT (subject, action) DO UPDATE
              SET tokens = CASE WHEN least($3::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)) * $4::float8) >= 1
                                THEN least($3::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)) * $4::float8) - $5::float8
                                ELSE least($3::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)) * $4::float8) END,
                  allowed = least($3::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)) * $4::float8) >= 1,
                  updated_at = now()
           RETURNING b.allowed, b.tokens`,
  }, [input.subject, input.action, input.capacity, input.refillPerSecond, input.cost ?? 1]);
  return rows[0]!;
}
