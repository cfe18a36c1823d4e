import type { Queryable } from '../../shared/postgres';

export type AttemptOutcome = 'done' | 'retry' | 'failed' | 'deferred' | 'lease-lost';

export async function recordGenerationAttempt(
  db: Queryable,
  input: { requestKey: string; attempt: number; startedAt: Date; outcome: AttemptOutcome; modelCalls: number; tokensIn: number; tokensOut: number; error?: string },
): Promise<void> {
  await db.query(
    `INSERT INTO generation_attempts (request_key, attempt, started_at, outcome, model_calls, tokens_in, tokens_out, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (request_key, started_at, attempt) DO NOTHING`,
    [input.requestKey, input.attempt, input.startedAt, input.outcome, input.modelCalls, input.tokensIn, input.tokensOut, input.error?.slice(0, 2000) ?? null],
  );
}
