import type { Queryable } from '../../shared/postgres';

export type AttemptRow = { attempt: number; startedAt: string; finishedAt: string; durationMs: number; outcome: string; modelCalls: number; tokensIn: number; tokensOut: number; error: string | null };

export async function listRequestAttempts(db: Queryable, requestKey: string): Promise<AttemptRow[]> {
  const { rows } = await db.query<{ attempt: number; started_at: Date; finished_at: Date; outcome: string; model_calls: number; tokens_in: number; tokens_out: number; error: string | null }>(
    `SELECT attempt, started_at, finished_at, outcome, model_calls, tokens_in, tokens_out, error
       FROM generation_attempts WHERE request_key = $1 ORDER BY finished_at, attempt`,
    [requestKey],
  );
  return rows.map((r) => ({
    attempt: r.attempt, startedAt: r.started_at.toISOString(), finishedAt: r.finished_at.toISOString(), durationMs: r.finished_at.getTime() - r.started_at.getTime(),
    outcome: r.outcome, modelCalls: r.model_calls, tokensIn: r.tokens_in, tokensOut: r.tokens_out, error: r.error,
  }));
}
