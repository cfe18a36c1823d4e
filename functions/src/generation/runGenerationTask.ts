import type { Firestore } from 'firebase-admin/firestore';
import { PermanentGenerationError, UnavailableError } from '../shared/errors';
import type { Queryable } from '../shared/postgres';
import { addCounts, screenCandidates, type RejectionCounts } from '../pools/qualityGate';
import { readPoolForScreening, writePoolQuestions, type StoredQuestion } from '../pools/poolStore';
import type { GeneratedBatch, QuestionGenerator } from '../questions/generator';
import { pickGenerator } from '../questions/pickGenerator';
import { poolParamsSchema, type PoolParams } from './poolParams';
import { claimGenerationRequest } from './queries/claimGenerationRequest';
import { completeGenerationRequest } from './queries/completeGenerationRequest';
import { failGenerationRequest } from './queries/failGenerationRequest';
import { releaseGenerationRequest } from './queries/releaseGenerationRequest';
import { storeGenerationResult } from './queries/storeGenerationResult';
import type { GenerationRequestRow } from './queries/types';
import { mirrorStatus, reportProgress } from './statusMirror';

export type RunDeps = {
  db: Queryable;
  firestore: Firestore;
  generators: readonly QuestionGenerator[];
  leaseSeconds: number;
  log?: (entry: Record<string, unknown>) => void;
};

/** What the generator produced, stored in Postgres before Firestore sees any of it. */
export type GenerationResult = {
  generator: string;
  model: string;
  generatedAt: string;
  questions: StoredQuestion[];
  exhausted: boolean;
  /** Candidates the quality gate and duplicate filter turned away, by reason. */
  rejected?: RejectionCounts;
};

export type RunOutcome =
  | { outcome: 'skipped' }
  | { outcome: 'done'; generated: number; poolSize: number; reusedResult: boolean }
  | { outcome: 'failed'; error: string };

async function produceResult(deps: RunDeps, row: GenerationRequestRow, params: PoolParams): Promise<GenerationResult> {
  const pool = await readPoolForScreening(deps.firestore, row.pool_key);
  const missing = row.target_count - pool.length;
  const generator = pickGenerator(deps.generators, params);
  if (missing <= 0) {
    return { generator: generator.name, model: 'none', generatedAt: new Date().toISOString(), questions: [], exhausted: false, rejected: {} };
  }
  // Rejected candidates leave the pool short: ask again (a bounded number of times) for the rest.
  const excludeIds = new Set(pool.map((question) => question.id));
  const questions: StoredQuestion[] = [];
  let rejected: RejectionCounts = {};
  let batch: GeneratedBatch | undefined;
  for (let round = 0; round < 3 && questions.length < missing && !batch?.exhausted; round++) {
    batch = await generator.generate({ params, count: missing - questions.length, excludeIds });
    const screened = screenCandidates({ lang: params.lang, candidates: batch.questions, pool: [...pool, ...questions], limit: missing - questions.length });
    questions.push(...screened.accepted);
    rejected = addCounts(rejected, screened.rejected);
    for (const id of [...screened.rejectedIds, ...screened.accepted.map((question) => question.id)]) excludeIds.add(id);
    reportProgress(deps.firestore, row.request_key, { status: 'running', generated: questions.length });
    if (screened.accepted.length === 0) break;
  }
  return { generator: generator.name, model: batch?.model ?? 'none', generatedAt: new Date().toISOString(), questions, exhausted: batch?.exhausted ?? false, rejected };
}

/**
 * Runs one delivery of a generation task. Safe under at-least-once delivery: only the lease
 * holder works, a done row is acknowledged, and a stored result is written, never regenerated.
 */
export async function runGenerationTask(deps: RunDeps, requestKey: string): Promise<RunOutcome> {
  const started = Date.now();
  const row = await claimGenerationRequest(deps.db, requestKey, deps.leaseSeconds);
  if (!row) {
    deps.log?.({ event: 'generation.attempt', requestKey, outcome: 'skipped', durationMs: Date.now() - started });
    return { outcome: 'skipped' };
  }
  const attempt = row.attempts;
  const logAttempt = (outcome: string, extra: Record<string, unknown> = {}) =>
    deps.log?.({ event: 'generation.attempt', requestKey, poolKey: row.pool_key, attempt, outcome, durationMs: Date.now() - started, ...extra });

  try {
    await mirrorStatus(deps.firestore, requestKey, { status: 'running', attempt });
    const parsed = poolParamsSchema.safeParse(row.params);
    if (!parsed.success) throw new PermanentGenerationError(`stored params are invalid: ${parsed.error.message}`);
    const params = parsed.data;

    const reusedResult = row.result !== null && row.result !== undefined;
    const result = reusedResult ? (row.result as GenerationResult) : await produceResult(deps, row, params);
    if (!reusedResult && !(await storeGenerationResult(deps.db, requestKey, attempt, result))) {
      logAttempt('lease-lost');
      return { outcome: 'skipped' };
    }
    const poolSize = await writePoolQuestions(deps.firestore, {
      poolKey: row.pool_key,
      params,
      requestKey,
      generatedAt: result.generatedAt,
      questions: result.questions,
    });
    if (!(await completeGenerationRequest(deps.db, requestKey, attempt, result.questions.length))) {
      logAttempt('lease-lost');
      return { outcome: 'skipped' };
    }
    await mirrorStatus(deps.firestore, requestKey, { status: 'done', generated: result.questions.length, poolSize, error: null });
    logAttempt('done', { generated: result.questions.length, poolSize, reusedResult, model: result.model });
    return { outcome: 'done', generated: result.questions.length, poolSize, reusedResult };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Out of attempts, a transient fault is final too; otherwise Cloud Tasks retries with backoff.
    if (error instanceof PermanentGenerationError || attempt >= row.max_attempts) {
      await failGenerationRequest(deps.db, requestKey, attempt, message);
      await mirrorStatus(deps.firestore, requestKey, { status: 'failed', error: message }).catch(() => undefined);
      logAttempt('failed', { error: message });
      return { outcome: 'failed', error: message };
    }
    await releaseGenerationRequest(deps.db, requestKey, attempt, message).catch(() => undefined);
    logAttempt('retry', { error: message });
    throw new UnavailableError(`generation attempt ${attempt} failed: ${message}`, { cause: error });
  }
}
