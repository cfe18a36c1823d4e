import type { Firestore } from 'firebase-admin/firestore';
import { PermanentGenerationError, UnavailableError, withDeadline } from '../shared/errors';
import { faultPoint } from '../shared/faultPoints';
import type { Queryable } from '../shared/postgres';
import { readPoolForScreening, writePoolQuestions, type StoredQuestion } from '../pools/poolStore';
import { addCounts, screenablePrompts, screenCandidates, type RejectionCounts } from '../pools/qualityGate';
import type { PromptEmbeddingStore } from '../pools/promptEmbeddings';
import type { QuestionGenerator } from '../questions/generator';
import { billedUsageOf, ModelRateLimitedError } from '../questions/openai/modelErrors';
import { pickGenerator } from '../questions/pickGenerator';
import { toVerifiable, type Look, type QuestionVerifier, type Verification } from '../questions/openai/verifier';
import { poolParamsSchema, type PoolParams } from '../questions/poolParams';
import { nextUtcMidnight } from './quotas';
import { writerAsk } from './writerAsk';
import { chargeModelUsage } from './queries/chargeModelUsage';
import { claimGenerationRequest } from './queries/claimGenerationRequest';
import { completeGenerationRequest } from './queries/completeGenerationRequest';
import { deferGenerationRequest } from './queries/deferGenerationRequest';
import { failGenerationRequest } from './queries/failGenerationRequest';
import { getDailyUsage } from './queries/getDailyUsage';
import { getGenerationRequest } from './queries/getGenerationRequest';
import { recordGenerationAttempt, type AttemptOutcome } from './queries/recordGenerationAttempt';
import { releaseGenerationRequest } from './queries/releaseGenerationRequest';
import { storeGenerationResult } from './queries/storeGenerationResult';
import type { GenerationRequestRow } from './queries/types';
import { publicErrorOf } from './publicErrors';
import { mirrorStatus, reportProgress } from './statusMirror';

export type RunDeps = {
  db: Queryable;
  firestore: Firestore;
  generators: readonly QuestionGenerator[];
  leaseSeconds: number;
  /** Tokens all users may spend per UTC day; paid generators stop cleanly when it is spent. */
  globalDailyTokenBudget: number;
  log?: (entry: Record<string, unknown>) => void;
  /** Told after each status transition this run makes (batch progress mirrors listen here). */
  onTransition?: (requestKey: string) => Promise<void>;
  /** Checks model-written questions blind before they count; absent, they are stored unverified. */
  verifier?: QuestionVerifier;
  /** Disputed questions are held for review instead of rejected. */
  holdDisputed?: boolean;
  /** NEAR_DUPLICATE_METHOD=embeddings: model-written candidates are also compared by prompt embeddings. */
  embeddings?: PromptEmbeddingStore;
};

/**
 * What the generator produced, stored in Postgres before Firestore sees any of it. A partial
 * result (complete=false) holds the batches already paid for; a retry continues from it.
 */
export type GenerationResult = {
  generator: string;
  model: string;
  generatedAt: string;
  questions: StoredQuestion[];
  exhausted: boolean;
  complete: boolean;
  /** The target `complete` refers to: a raised target makes a complete result incomplete again. */
  target?: number;
  /** Candidates the quality gate and duplicate filter turned away, by reason. */
  rejected?: RejectionCounts;
  /** Screened model questions paid for but not yet verified (a verifier outage leaves them here). */
  unverified?: StoredQuestion[];
  /** First blind looks at `unverified` taken by a Batch API verify job (half price): not asked again. */
  firstLooks?: Record<string, Look>;
  /** Disputed questions held for review (not in the pool), with their verdicts. */
  held?: StoredQuestion[];
  /** The verifier's work for this request, apart from the writer's: its model, calls, tokens and verdicts. */
  verification?: {
    model: string; calls: number; tokensIn: number; tokensOut: number; verdicts: Partial<Record<Verification['verdict'], number>>; surplus?: number;
    /** The part of calls and tokens that went through the Batch API (half price, charged when its job let go). */
    batchApiCalls?: number; batchApiTokensIn?: number; batchApiTokensOut?: number;
  };
  /** The near-duplicate screen's embeddings (NEAR_DUPLICATE_METHOD=embeddings): model, calls, tokens (charged too). */
  embeddings?: { model: string; calls: number; tokens: number };
};

export type RunOutcome =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'done'; generated: number; poolSize: number; reusedResult: boolean; modelCalls: number }
  | { outcome: 'deferred'; until: Date; error: string }
  | { outcome: 'failed'; error: string };

/** Margin kept between the end of the last model call and the end of the lease. */
const LEASE_SAFETY_MS = 30_000;

type Usage = { modelCalls: number; tokensIn: number; tokensOut: number; cachedTokensIn: number; verifierCalls?: number };

/** Deferral: the work cannot proceed before `until`; not a failure and not an attempt wasted. */
class DeferredError extends Error {
  constructor(readonly until: Date, message: string) {
    super(message);
  }
}

async function produceResult(
  deps: RunDeps,
  row: GenerationRequestRow,
  params: PoolParams,
  attempt: number,
  leaseEndsAt: number,
  usage: Usage,
): Promise<GenerationResult> {
  const stored = row.result as GenerationResult | null;
  if (stored?.complete && (stored.target === undefined || stored.target >= row.target_count)) return stored;

  const pool = await readPoolForScreening(deps.firestore, row.pool_key);
  const inPool = new Set(pool.map((question) => question.id));
  const generator = pickGenerator(deps.generators, params);
  const result: GenerationResult = stored ?? { generator: generator.name, model: 'none', generatedAt: new Date().toISOString(), questions: [], exhausted: false, complete: false, rejected: {} };
  const fresh = () => result.questions.filter((q) => !inPool.has(q.id));
  const wanted = () => row.target_count - pool.length - fresh().length;
  const excludeIds = new Set([...inPool, ...result.questions.map((q) => q.id)]);

  const store = async (tokens: { tokensIn: number; tokensOut: number; cachedTokensIn?: number }) => {
    const spent = { tokensIn: tokens.tokensIn, tokensOut: tokens.tokensOut, cachedTokensIn: tokens.cachedTokensIn ?? 0 };
    result.target = row.target_count;
    const target = await storeGenerationResult(deps.db, { requestKey: row.request_key, attempt, result, usage: spent });
    if (target === undefined) {
      // The lease went elsewhere while the model worked: its output is dropped, its bill is not.
      await chargeModelUsage(deps.db, row.request_key, spent);
      throw new LeaseLostError();
    }
    // A request for more raised the pool's work meanwhile: this run generates the delta too.
    if (target > row.target_count) {
      row.target_count = target;
      result.exhausted = false;
    }
  };
  /** Verifies what was screened but not yet verified; an outage throws (retried), never accepts. */
  const verifyPending = async (): Promise<number> => {
    const pending = result.unverified ?? [];
    if (pending.length === 0 || !deps.verifier) return 0;
    const outcome = await deps.verifier.verify(params, pending.map(toVerifiable), leaseEndsAt - LEASE_SAFETY_MS, result.firstLooks);
    usage.verifierCalls = (usage.verifierCalls ?? 0) + outcome.calls;
    usage.tokensIn += outcome.tokensIn;
    usage.tokensOut += outcome.tokensOut;
    usage.cachedTokensIn += outcome.cachedTokensIn;
    const verification = result.verification ?? { model: outcome.model, calls: 0, tokensIn: 0, tokensOut: 0, verdicts: {} };
    verification.model = outcome.model;
    verification.calls += outcome.calls;
    verification.tokensIn += outcome.tokensIn;
    verification.tokensOut += outcome.tokensOut;
    let accepted = 0;
    for (const question of pending) {
      const verdict = outcome.results.get(question.id) ?? { verdict: 'unverifiable' as const, answers: [], model: outcome.model, tokensIn: 0, tokensOut: 0 };
      verification.verdicts[verdict.verdict] = (verification.verdicts[verdict.verdict] ?? 0) + 1;
      if (verdict.verdict === 'accepted') {
        if (wanted() > 0) {
          result.questions.push({ ...question, verification: verdict });
          accepted += 1;
        } else verification.surplus = (verification.surplus ?? 0) + 1; // asked for in case the verifier turned some away
        continue;
      }
      if (deps.holdDisputed) (result.held ??= []).push({ ...question, verification: verdict });
      result.rejected = addCounts(result.rejected ?? {}, { [verdict.verdict]: 1 });
    }
    result.verification = verification;
    result.unverified = [];
    delete result.firstLooks;
    await store({ tokensIn: outcome.tokensIn, tokensOut: outcome.tokensOut, cachedTokensIn: outcome.cachedTokensIn });
    return accepted;
  };
  const verifying = generator.name === 'openai' && deps.verifier !== undefined;
  if (!verifying && result.unverified?.length) {
    // Batch API output with no verifier configured: stored as it was screened.
    result.questions.push(...result.unverified);
    result.unverified = [];
  }
  // A verifier outage in an earlier attempt left paid questions here: verify them before paying more.
  if (verifying) await verifyPending();

  let emptyVerified = 0;
  while (wanted() > 0 && !result.exhausted) {
    if (generator.name === 'openai') {
      const global = await getDailyUsage(deps.db, 'global');
      if (global.tokens >= deps.globalDailyTokenBudget) {
        throw new DeferredError(nextUtcMidnight(), `global daily token budget (${deps.globalDailyTokenBudget}) spent`);
      }
    }
    let batch: Awaited<ReturnType<QuestionGenerator['generate']>>;
    try {
      batch = await generator.generate({
        params,
        // A paid writer is asked for what its screen and verifier turned away so far, too.
        count: generator.name === 'openai'
          ? writerAsk(wanted(), fresh().length, Object.values(result.rejected ?? {}).reduce((sum, n) => sum + n, 0), generator.maxPerCall)
          : Math.min(wanted(), generator.maxPerCall),
        excludeIds,
        existingPrompts: [...pool, ...fresh()].map((q) => q.prompt),
        deadline: leaseEndsAt - LEASE_SAFETY_MS,
      });
    } catch (error) {
      // Calls that end in an error were billed too: charge them before the failure is recorded.
      const billed = billedUsageOf(error);
      if (billed) {
        usage.modelCalls += billed.modelCalls;
        usage.tokensIn += billed.tokensIn;
        usage.tokensOut += billed.tokensOut;
        usage.cachedTokensIn += billed.cachedTokensIn;
        await chargeModelUsage(deps.db, row.request_key, billed);
      }
      throw error;
    }
    usage.modelCalls += batch.modelCalls;
    usage.tokensIn += batch.tokensIn;
    usage.tokensOut += batch.tokensOut;
    usage.cachedTokensIn += batch.cachedTokensIn ?? 0;
    // Between the answer and the store (which charges it in the same statement) only screening runs
    // (with near-duplicate embeddings on, one embeddings call, whose failure charges the batch too).
    // A failure at this point charges the tokens on their own (the store never ran, so never twice);
    // only a process dying before the store loses them (docs/reliability.md).
    try {
      await faultPoint('generation.afterModelCall');
    } catch (error) {
      await chargeModelUsage(deps.db, row.request_key, { tokensIn: batch.tokensIn, tokensOut: batch.tokensOut, cachedTokensIn: batch.cachedTokensIn ?? 0 }).catch(() => undefined);
      throw error;
    }
    // The quality gate and the near-duplicate filter judge candidates against the whole pool.
    // Verified, every screened candidate goes to the verifier (it turns some away; extras past the target are dropped).
    const screenInput = { lang: params.lang, type: params.type, candidates: batch.questions, pool: [...pool, ...fresh()], limit: verifying ? batch.questions.length : wanted() };
    let embeddingTokens = 0;
    const embeddings = generator.name === 'openai' ? deps.embeddings : undefined;
    if (embeddings) {
      try {
        const spent = await embeddings.prepare(screenablePrompts(screenInput), leaseEndsAt - LEASE_SAFETY_MS);
        embeddingTokens = spent.tokens;
        const sum = result.embeddings ?? { model: embeddings.embedder.model, calls: 0, tokens: 0 };
        result.embeddings = { model: embeddings.embedder.model, calls: sum.calls + spent.calls, tokens: sum.tokens + spent.tokens };
      } catch (error) {
        // An embeddings outage is retried like a writer's, never screened without: the batch and
        // the embeddings billed before the failure are charged, and the retry writes anew.
        const billed = billedUsageOf(error)?.tokensIn ?? 0;
        usage.tokensIn += billed;
        await chargeModelUsage(deps.db, row.request_key, { tokensIn: batch.tokensIn + billed, tokensOut: batch.tokensOut, cachedTokensIn: batch.cachedTokensIn ?? 0 });
        throw error;
      }
      usage.tokensIn += embeddingTokens;
    }
    const screened = screenCandidates({ ...screenInput, ...(embeddings ? { embeddings: embeddings.lookup() } : {}) });
    if (verifying) result.unverified = screened.accepted;
    else result.questions.push(...screened.accepted);
    result.rejected = addCounts(result.rejected ?? {}, screened.rejected);
    for (const id of [...screened.rejectedIds, ...screened.accepted.map((q) => q.id)]) excludeIds.add(id);
    result.model = batch.model;
    // A batch that adds nothing new means the generator is going in circles: stop rather than pay on.
    result.exhausted = batch.exhausted || screened.accepted.length === 0;
    result.complete = !verifying && (wanted() <= 0 || result.exhausted);
    // Stored before verifying: what was paid for survives a verifier outage.
    await store({ tokensIn: batch.tokensIn + embeddingTokens, tokensOut: batch.tokensOut, cachedTokensIn: batch.cachedTokensIn ?? 0 });
    if (verifying) {
      // Two batches in a row the verifier turns away entirely: a model going wrong; stop paying.
      // (One alone may be a small tail batch holding a single bad question.)
      emptyVerified = (await verifyPending()) === 0 ? emptyVerified + 1 : 0;
      if (emptyVerified >= 2) result.exhausted = true;
      result.complete = wanted() <= 0 || result.exhausted;
      if (result.complete) await store({ tokensIn: 0, tokensOut: 0 });
    }
    await faultPoint('generation.afterStoreResult');
    reportProgress(deps.firestore, row.request_key, { status: 'running', generated: fresh().length });
  }
  if (!result.complete || (result.target ?? 0) < row.target_count) {
    result.complete = true;
    result.target = row.target_count;
    if ((await storeGenerationResult(deps.db, { requestKey: row.request_key, attempt, result, usage: { tokensIn: 0, tokensOut: 0 } })) === undefined) throw new LeaseLostError();
  }
  return result;
}

class LeaseLostError extends Error {
  constructor() {
    super('lease lost to another worker');
  }
}

const TERMINAL: ReadonlySet<string> = new Set(['done', 'failed', 'cancelled']);

/**
 * A release, failure or deferral Postgres refuses (an outage) is tried again until it lands or the
 * lease is about to lapse. Given up at once, the row stayed leased, the Cloud Tasks retry found it
 * "leased elsewhere" and acknowledged, and the work waited for the sweeper after the whole lease.
 */
async function untilRecorded(step: () => Promise<unknown>, leaseEndsAt: number): Promise<void> {
  for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
    try {
      await step();
      return;
    } catch (error) {
      if (Date.now() + wait > leaseEndsAt - 5_000) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** What generation_status says once a request is final, from its Postgres row. */
function finalMirror(row: GenerationRequestRow): Parameters<typeof mirrorStatus>[2] {
  if (row.status === 'done') return { status: 'done', generated: row.generated_count ?? 0, error: null, errorCode: null };
  // Raw errors stay in Postgres (clients read only the fixed sentence the failing run wrote).
  return { status: row.status };
}

/**
 * Runs one delivery of a generation task. Safe under at-least-once delivery: only the lease
 * holder works, a done row is acknowledged, and a stored result is written, never regenerated.
 * Returning acknowledges the task; throwing makes Cloud Tasks retry it with backoff.
 */
export async function runGenerationTask(deps: RunDeps, requestKey: string): Promise<RunOutcome> {
  const startedAt = new Date();
  const row = await claimGenerationRequest(deps.db, requestKey, deps.leaseSeconds);
  if (!row) {
    const current = await getGenerationRequest(deps.db, requestKey);
    if (current?.status === 'pending' && current.not_before && current.not_before > new Date()) {
      // Too early (Retry-After, spent budget): let Cloud Tasks deliver it again later.
      throw new UnavailableError(`request deferred until ${current.not_before.toISOString()}`);
    }
    if (current && TERMINAL.has(current.status)) {
      // Converges the mirror: the delivery that finished may have died between Postgres and Firestore.
      await mirrorStatus(deps.firestore, requestKey, finalMirror(current));
    }
    const reason = current ? `status ${current.status}${current.status === 'running' ? ' (leased elsewhere)' : ''}` : 'unknown request';
    deps.log?.({ event: 'generation.attempt', requestKey, outcome: 'skipped', reason, durationMs: Date.now() - startedAt.getTime() });
    return { outcome: 'skipped', reason };
  }
  // Best effort and bounded: a batch mirror must never hold up or fail the work itself.
  const transitioned = () =>
    deps.onTransition ? withDeadline(deps.onTransition(requestKey), 5_000, 'batch mirror').catch(() => undefined) : Promise.resolve();
  void transitioned();
  await faultPoint('generation.afterClaim');
  const attempt = row.attempts;
  const leaseEndsAt = startedAt.getTime() + deps.leaseSeconds * 1000;
  const usage: Usage = { modelCalls: 0, tokensIn: 0, tokensOut: 0, cachedTokensIn: 0 };
  const finish = async (outcome: AttemptOutcome, extra: Record<string, unknown> = {}) => {
    const durationMs = Date.now() - startedAt.getTime();
    deps.log?.({ event: 'generation.attempt', requestKey, poolKey: row.pool_key, attempt, outcome, durationMs, ...usage, ...extra });
    await recordGenerationAttempt(deps.db, { requestKey, attempt, startedAt, outcome, ...usage, error: extra.error as string | undefined }).catch(() => undefined);
  };

  // Status mirroring on the failure path is best effort: Firestore may be the thing that failed,
  // and the Postgres transition (already made) is what matters.
  const mirrorBestEffort = (update: Parameters<typeof mirrorStatus>[2]) =>
    withDeadline(mirrorStatus(deps.firestore, requestKey, update), 5_000, 'status mirror').catch(() => undefined);

  // Past the Postgres "done" nothing may fail or release the row: a failure there is retried by
  // Cloud Tasks, and the redelivery (which finds the row done) writes the mirror again.
  let completed = false;
  try {
    await mirrorBestEffort({ status: 'running', attempt });
    const parsed = poolParamsSchema.safeParse(row.params);
    if (!parsed.success) throw new PermanentGenerationError(`stored params are invalid: ${parsed.error.message}`);
    const params = parsed.data;

    const reusedResult = (row.result as GenerationResult | null)?.complete === true;
    let result: GenerationResult;
    let poolSize: number;
    // One run per pool: a request for more arriving while this run finishes raises the target it
    // must reach, and the run goes round again for the delta instead of completing.
    for (;;) {
      result = await produceResult(deps, row, params, attempt, leaseEndsAt, usage);
      // Writes are idempotent, so one abandoned at the end of the lease is harmless if it lands later.
      poolSize = await withDeadline(
        writePoolQuestions(deps.firestore, { poolKey: row.pool_key, params, requestKey, generatedAt: result.generatedAt, questions: result.questions }),
        leaseEndsAt - Date.now() - 5_000,
        'the Firestore write',
      );
      await faultPoint('generation.afterPoolWrite');
      const completion = await completeGenerationRequest(deps.db, requestKey, attempt, result.questions.length, row.target_count);
      if (completion === true) break;
      if (completion === false) throw new LeaseLostError();
      row.target_count = completion;
      row.result = { ...result, complete: false, exhausted: false };
    }
    completed = true;
    await faultPoint('generation.afterComplete');
    await transitioned();
    await mirrorStatus(deps.firestore, requestKey, { status: 'done', generated: result.questions.length, poolSize, target: row.target_count, error: null, errorCode: null });
    await faultPoint('generation.afterStatusMirror');
    await finish('done', { generated: result.questions.length, poolSize, reusedResult, model: result.model });
    return { outcome: 'done', generated: result.questions.length, poolSize, reusedResult, modelCalls: usage.modelCalls };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (completed) {
      await finish('done', { error: message });
      throw new UnavailableError(`done, but its status mirror failed: ${message}`, { cause: error });
    }
    if (error instanceof LeaseLostError) {
      await finish('lease-lost');
      return { outcome: 'skipped', reason: message };
    }
    const until =
      error instanceof DeferredError ? error.until
      : error instanceof ModelRateLimitedError && error.retryAfterSeconds !== undefined ? new Date(Date.now() + error.retryAfterSeconds * 1000)
      : undefined;
    if (until) {
      // Not the request's fault: give the attempt back so deferrals never exhaust max_attempts.
      await untilRecorded(() => deferGenerationRequest(deps.db, requestKey, attempt, until, message), leaseEndsAt);
      await transitioned();
      await mirrorBestEffort({ status: 'pending', ...publicErrorOf(error, { deferred: error instanceof DeferredError }) });
      await finish('deferred', { error: message, until: until.toISOString() });
      if (error instanceof DeferredError) return { outcome: 'deferred', until, error: message };
      throw new UnavailableError(`deferred until ${until.toISOString()}: ${message}`, { cause: error });
    }
    // Out of attempts, a transient fault is final too; otherwise Cloud Tasks retries with backoff.
    if (error instanceof PermanentGenerationError || attempt >= row.max_attempts) {
      await untilRecorded(() => failGenerationRequest(deps.db, requestKey, attempt, message), leaseEndsAt);
      await transitioned();
      await mirrorBestEffort({ status: 'failed', ...publicErrorOf(error) });
      await finish('failed', { error: message });
      return { outcome: 'failed', error: message };
    }
    // Past the lease (an outage longer than it), the redelivery claims the expired lease itself.
    await untilRecorded(() => releaseGenerationRequest(deps.db, requestKey, attempt, message), leaseEndsAt).catch(() => undefined);
    await transitioned();
    await mirrorBestEffort({ status: 'pending', ...publicErrorOf(error) });
    await finish('retry', { error: message });
    throw new UnavailableError(`generation attempt ${attempt} failed: ${message}`, { cause: error });
  }
}
