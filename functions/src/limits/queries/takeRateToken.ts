import type { Queryable } from '../../shared/postgres';

export type TakeRateTokenInput = { subject: string; action: string; capacity: number; refillPerSecond: number };
export type TakeRateTokenResult = { allowed: boolean; tokens: number };

/**
 * One call against a token bucket, in one statement: refill from the time elapsed (Postgres'
 * clock, capped at `capacity`), then take one token if there is one. A new bucket starts full.
 */
export async function takeRateToken(db: Queryable, input: TakeRateTokenInput): Promise<TakeRateTokenResult> {
  const { rows } = await db.query<{ allowed: boolean; tokens: number }>({
    name: 'rate-bucket-take',
    // Every expression of SET sees the row as it was; now() is one instant for the whole statement.
    text: `INSERT INTO rate_buckets AS b (subject, action, tokens, updated_at, allowed)
           VALUES ($1, $2, greatest($3::float8 - 1, 0), now(), $3::float8 >= 1)
           ON CONFLICT (subject, action) DO UPDATE
              SET tokens = CASE WHEN least($3::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)) * $4::float8) >= 1
                                THEN least($3::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)) * $4::float8) - 1
                                ELSE least($3::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)) * $4::float8) END,
                  allowed = least($3::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.updated_at)) * $4::float8) >= 1,
                  updated_at = now()
           RETURNING b.allowed, b.tokens`,
  }, [input.subject, input.action, input.capacity, input.refillPerSecond]);
  return rows[0]!;
}
