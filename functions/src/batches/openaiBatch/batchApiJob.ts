import { randomBytes } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import OpenAI, { toFile } from 'openai';
import { enqueueOwned } from '../../generation/acceptGenerationRequest';
import { poolParamsSchema } from '../../questions/poolParams';
import type { GenerationTaskQueue } from '../../generation/taskQueue';
import type { GenerationResult } from '../../generation/runGenerationTask';
import { readPoolForScreening } from '../../pools/poolStore';
import { addCounts, screenCandidates, type RejectionCounts } from '../../pools/qualityGate';
import { chatCompletionBody, parseModelOutput } from '../../questions/openai/openaiGenerator';
import type { Question } from '../../questions/question';
import { faultPoint } from '../../shared/faultPoints';
import type { Queryable } from '../../shared/postgres';
import { heldRequestsOfJob } from '../queries/heldRequestsOfJob';
import { holdRequestsForJob, type HeldRequest } from '../queries/holdRequestsForJob';
import { insertJobLines, type JobLine } from '../queries/insertJobLines';
import { clearJobFailures, listOpenBatchJobs, recordJobFailure, releasedUnstartedOfJob, runningJobsOfBatch, storedUsageOfRequest, type BatchJobRow } from '../queries/listOpenBatchJobs';
import { markBatchJobApplied } from '../queries/markBatchJobApplied';
import { releaseHeldRequest, type BatchApiUsage } from '../queries/releaseHeldRequest';
import { lineOutcomesOfRequest, markJobDownloaded, storeLineOutcomes, type LineOutcome } from '../queries/storeLineOutcomes';
import { updateBatchJob } from '../queries/updateBatchJob';

/** OpenAI's own limits for one batch: requests (lines) and input file size. */
export const OPENAI_BATCH_MAX_LINES = 50_000;
export const OPENAI_BATCH_MAX_BYTES = 200_000_000;
export const DEFAULT_BATCH_API_MAX_FAILURES = 10;

export type BatchApiConfig = {
  client: OpenAI;
  model: string;
  questionsPerCall: number;
  /** Lines and input bytes per OpenAI batch (OpenAI's limits by default); a larger batch becomes several jobs. */
  maxLinesPerJob?: number;
  maxBytesPerJob?: number;
  /** Consecutive failed poller passes after which a job lets its requests go to the sync path. */
  maxFailures?: number;
};

export type BatchApiDeps = {
  db: Queryable;
  firestore: Firestore;
  queue: GenerationTaskQueue;
  batchApi?: BatchApiConfig;
  log?: (entry: Record<string, unknown>) => void;
};

/** OpenAI's terminal batch states; the output (if any) is downloadable from here on. */
const FINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);
const RUNNING = new Set(['validating', 'in_progress', 'finalizing']);
/** A job stuck in 'submitting' this long was abandoned mid-submission: give its work back. */
const SUBMIT_ABANDONED_MS = 10 * 60_000;
/** Downloaded lines are stored this many at a time: memory holds one page, never the file. */
const STORE_PAGE = 200;
/** One poller pass stops applying after this long (the function has 300 s); the next pass resumes. */
const PASS_BUDGET_MS = 200_000;

/** custom_id = requestKey + "-" + the line's index within that request. */
export function customIdOf(requestKey: string, index: number): string {
  return `${requestKey}-${index}`;
}

type Candidate = Pick<HeldRequest, 'request_key' | 'params' | 'target_count' | 'result'>;

/** A request's JSONL lines: the sync generator's exact chat completion body, json_schema included. */
function linesOf(config: BatchApiConfig | undefined, request: Candidate): Array<JobLine & { text: string }> {
  const params = poolParamsSchema.parse(request.params);
  const have = ((request.result as GenerationResult | null)?.questions ?? []).length;
  const lines: Array<JobLine & { text: string }> = [];
  let wanted = request.target_count - have;
  for (let index = 0; wanted > 0; index++) {
    const count = Math.min(wanted, config?.questionsPerCall ?? wanted);
    wanted -= count;
    const customId = customIdOf(request.request_key, index);
    const text = `${JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: chatCompletionBody(config?.model ?? 'none', params, count) })}\n`;
    lines.push({ customId, requestKey: request.request_key, count, text });
  }
  return lines;
}

/**
 * Batch API mode: holds the batch's model work under OpenAI batch jobs, each within OpenAI's
 * limits (lines and input bytes), and submits them. Returns the request keys held; the others
 * (wanted by someone else, or already moving) keep their sync task.
 */
export async function submitBatchApiJobs(deps: BatchApiDeps, batchId: string, candidates: readonly Candidate[]): Promise<Set<string>> {
  const maxLines = deps.batchApi?.maxLinesPerJob ?? OPENAI_BATCH_MAX_LINES;
  const maxBytes = deps.batchApi?.maxBytesPerJob ?? OPENAI_BATCH_MAX_BYTES;
  const chunks: Candidate[][] = [];
  let current: Candidate[] = [];
  let lines = 0;
  let bytes = 0;
  for (const candidate of candidates) {
    // Sized before holding, from what the plan asks: a held request never brings more lines.
    const mine = linesOf(deps.batchApi, candidate);
    const size = mine.reduce((n, l) => n + Buffer.byteLength(l.text), 0);
    if (current.length > 0 && (lines + mine.length > maxLines || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      lines = 0;
      bytes = 0;
    }
    current.push(candidate);
    lines += mine.length;
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  const held = new Set<string>();
  for (const chunk of chunks) {
    const jobId = `${batchId}.${randomBytes(6).toString('hex')}`;
    const holding = await holdRequestsForJob(deps.db, batchId, jobId, chunk.map((c) => c.request_key));
    for (const request of holding) held.add(request.request_key);
    if (holding.length === 0) await markBatchJobApplied(deps.db, jobId);
    else await submitJob(deps, jobId, holding);
  }
  return held;
}

/**
 * Submits one job's held requests as one OpenAI batch: the lines recorded, a JSONL uploaded with
 * purpose "batch", then a batch with a 24 h window. Any failure hands its requests to the sync path.
 */
async function submitJob(deps: BatchApiDeps, jobId: string, held: readonly HeldRequest[]): Promise<void> {
  const config = deps.batchApi;
  let created: string | undefined;
  try {
    await faultPoint('batch.afterHold');
    const lines = held.flatMap((request) => linesOf(config, request));
    await insertJobLines(deps.db, jobId, lines);
    if (!config) throw new Error('no OpenAI key configured');
    const jsonl = Buffer.concat(lines.map((l) => Buffer.from(l.text)));
    const file = await config.client.files.create({ file: await toFile(jsonl, 'batch.jsonl'), purpose: 'batch' });
    await faultPoint('batch.afterUpload');
    // metadata.job_id: a batch whose id was never stored (a crash right after this call) is found again.
    const batch = await config.client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job_id: jobId } });
    created = batch.id;
    await faultPoint('batch.afterCreate');
    await updateBatchJob(deps.db, jobId, { status: batch.status, openaiBatchId: batch.id, inputFileId: file.id });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.log?.({ event: 'batchApi.submit-failed', jobId, error: message, created });
    // OpenAI is already working on it: falling back would pay twice. The poller adopts it by its metadata.
    if (created) return;
    await updateBatchJob(deps.db, jobId, { status: 'failed', lastError: `submission failed: ${message}` });
    await applyJob(deps, jobId);
  }
}

/** The OpenAI batch created for a job whose submission died before its id was stored (newest first, bounded). */
async function findSubmittedBatch(client: OpenAI, jobId: string, since: Date): Promise<OpenAI.Batches.Batch | undefined> {
  const oldest = since.getTime() / 1000 - 3600;
  for await (const batch of client.batches.list({ limit: 100 })) {
    if (batch.metadata?.['job_id'] === jobId) return batch;
    if (batch.created_at < oldest) break;
  }
  return undefined;
}

/** One output or error line → its custom_id and what it brought (questions, usage, failed). */
function parseLine(line: string, model: string): { customId: string; outcome: LineOutcome } | undefined {
  const parsed = JSON.parse(line) as { custom_id?: string; response?: { status_code?: number; body?: Record<string, unknown> } | null };
  if (!parsed.custom_id) return undefined;
  const response = parsed.response;
  const body = response?.body as { choices?: Array<{ message?: { content?: string | null } }>; usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } } } | undefined;
  const usage = {
    tokensIn: body?.usage?.prompt_tokens ?? 0,
    tokensOut: body?.usage?.completion_tokens ?? 0,
    cachedTokensIn: body?.usage?.prompt_tokens_details?.cached_tokens ?? 0,
  };
  const content = response?.status_code === 200 ? body?.choices?.[0]?.message?.content : undefined;
  const result = typeof content === 'string' ? parseModelOutput(content, model) : undefined;
  return { customId: parsed.custom_id, outcome: { questions: result?.ok ? result.questions : [], usage, failed: !result?.ok } };
}

/** Streams a file's lines from the API's response body: one chunk and one partial line in memory at a time. */
async function forEachLine(client: OpenAI, fileId: string, onLine: (line: string) => Promise<void>): Promise<void> {
  const response = await client.files.content(fileId);
  if (!response.body) return;
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, end);
      rest = rest.slice(end + 1);
      if (line.trim()) await onLine(line);
    }
  }
  rest += decoder.decode();
  if (rest.trim()) await onLine(rest);
}

/** Output and error files, line by line, into the job's line rows; then the job counts as downloaded. */
async function downloadJob(deps: BatchApiDeps, job: Pick<BatchJobRow, 'job_id' | 'output_file_id' | 'error_file_id'>): Promise<void> {
  const config = deps.batchApi;
  const model = config?.model ?? 'none';
  let page: Array<{ customId: string; outcome: LineOutcome }> = [];
  const flush = async () => {
    await storeLineOutcomes(deps.db, job.job_id, page);
    page = [];
  };
  const onLine = async (line: string) => {
    const parsed = parseLine(line, model);
    if (parsed) page.push(parsed);
    if (page.length >= STORE_PAGE) {
      await flush();
      await faultPoint('batch.afterStorePage');
    }
  };
  if (config && job.output_file_id) await forEachLine(config.client, job.output_file_id, onLine);
  if (config && job.error_file_id) await forEachLine(config.client, job.error_file_id, onLine);
  await flush();
  await faultPoint('batch.afterStorePage');
  await markJobDownloaded(deps.db, job.job_id);
}

const NO_USAGE: BatchApiUsage = { tokensIn: 0, tokensOut: 0, cachedTokensIn: 0 };

/**
 * Runs one held request's Batch API answers through the quality gate and the near-duplicate
 * filter against its pool, stores the result in Postgres (before Firestore sees anything) and
 * hands the request to the sync task, which writes the pool and marks it done without calling the
 * model — or generates what is still missing (failed lines, an expired or failed batch).
 */
async function applyRequest(deps: BatchApiDeps, jobId: string, request: HeldRequest & { pool_key: string }): Promise<void> {
  const model = deps.batchApi?.model ?? 'none';
  const params = poolParamsSchema.parse(request.params);
  const mine = (await lineOutcomesOfRequest(deps.db, jobId, request.request_key)).filter((o): o is LineOutcome => o !== null);
  const usage = mine.reduce((sum, o) => ({ tokensIn: sum.tokensIn + o.usage.tokensIn, tokensOut: sum.tokensOut + o.usage.tokensOut, cachedTokensIn: sum.cachedTokensIn + o.usage.cachedTokensIn }), NO_USAGE);
  let result: GenerationResult | null = null;
  const candidates = mine.flatMap((o) => o.questions as Question[]);
  if (candidates.length > 0) {
    const previous = request.result as GenerationResult | null;
    const pool = await readPoolForScreening(deps.firestore, request.pool_key);
    const inPool = new Set(pool.map((q) => q.id));
    const kept = (previous?.questions ?? []).filter((q) => !inPool.has(q.id));
    const wanted = request.target_count - pool.length - kept.length;
    const screened = screenCandidates({ lang: params.lang, type: params.type, candidates, pool: [...pool, ...kept], limit: Math.max(0, wanted) });
    const rejected: RejectionCounts = addCounts(previous?.rejected ?? {}, screened.rejected);
    result = {
      generator: 'openai', model, generatedAt: new Date().toISOString(), questions: kept, exhausted: false,
      // Never complete here: the sync run verifies these (or stores them, with no verifier) and tops up.
      complete: false,
      rejected,
      unverified: [...(previous?.unverified ?? []), ...screened.accepted],
    };
  }
  const enqueueCount = await releaseHeldRequest(deps.db, { jobId, requestKey: request.request_key, result, usage });
  await faultPoint(result ? 'batch.afterRelease' : 'batch.afterFallback');
  if (enqueueCount !== undefined) await enqueueOwned(deps, request.request_key, enqueueCount);
}

/** Applies the job's held requests a page at a time; false when the pass ran out of time first. */
async function applyJob(deps: BatchApiDeps, jobId: string, deadline = Infinity): Promise<boolean> {
  for (;;) {
    const page = await heldRequestsOfJob(deps.db, jobId);
    if (page.length === 0) break;
    for (const request of page) {
      if (Date.now() > deadline) return false;
      await applyRequest(deps, jobId, request);
    }
  }
  await reofferReleased(deps, jobId);
  await faultPoint('batch.afterApply');
  await markBatchJobApplied(deps.db, jobId);
  return true;
}

/** Before a job is closed: every request it let go that no task has started is offered its task again (deduplicated). */
async function reofferReleased(deps: BatchApiDeps, jobId: string): Promise<void> {
  for (const request of await releasedUnstartedOfJob(deps.db, jobId)) await deps.queue.enqueue(request.request_key, request.enqueue_count);
}

/**
 * A job that keeps failing lets go: its OpenAI batch is cancelled (so it is not paid for twice),
 * and each held request goes to the sync path charged with what its stored lines say was paid.
 */
async function giveUpJob(deps: BatchApiDeps, job: BatchJobRow, reason: string): Promise<void> {
  if (deps.batchApi && job.openai_batch_id && RUNNING.has(job.status)) {
    await deps.batchApi.client.batches.cancel(job.openai_batch_id).catch((error: unknown) => deps.log?.({ event: 'batchApi.cancel-failed', jobId: job.job_id, error: String(error) }));
  }
  for (;;) {
    const page = await heldRequestsOfJob(deps.db, job.job_id);
    if (page.length === 0) break;
    for (const request of page) {
      const usage = await storedUsageOfRequest(deps.db, job.job_id, request.request_key);
      const enqueueCount = await releaseHeldRequest(deps.db, { jobId: job.job_id, requestKey: request.request_key, result: null, usage });
      await faultPoint('batch.afterFallback');
      if (enqueueCount !== undefined) await enqueueOwned(deps, request.request_key, enqueueCount);
    }
  }
  await reofferReleased(deps, job.job_id);
  await markBatchJobApplied(deps.db, job.job_id);
  deps.log?.({ event: 'batchApi.given-up', jobId: job.job_id, reason });
}

/** A cancelled batch cancels its OpenAI batches; what they already did is still downloaded and charged. */
export async function cancelOpenAIBatches(deps: BatchApiDeps, batchId: string): Promise<number> {
  if (!deps.batchApi) return 0;
  let cancelled = 0;
  for (const job of await runningJobsOfBatch(deps.db, batchId)) {
    try {
      const batch = await deps.batchApi.client.batches.cancel(job.openai_batch_id!);
      await updateBatchJob(deps.db, job.job_id, { status: batch.status });
      cancelled += 1;
    } catch (error) {
      // The poller tries again on its next pass.
      deps.log?.({ event: 'batchApi.cancel-failed', jobId: job.job_id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return cancelled;
}

/**
 * One pass of the poller over unfinished jobs: follows each OpenAI batch through validating →
 * in_progress → finalizing → completed | failed | expired | cancelled; once final, streams the
 * output and error files into per-line rows exactly once, then applies them request by request.
 */
export async function pollBatchApiJobs(deps: BatchApiDeps, options: { budgetMs?: number; submitAbandonedMs?: number } = {}): Promise<{ polled: number; applied: number }> {
  const deadline = Date.now() + (options.budgetMs ?? PASS_BUDGET_MS);
  const jobs = await listOpenBatchJobs(deps.db);
  let applied = 0;
  for (const job of jobs) {
    if (Date.now() > deadline) break;
    try {
      if (!job.downloaded_at) {
        if (job.status === 'submitting') {
          if (Date.now() - job.created_at.getTime() < (options.submitAbandonedMs ?? SUBMIT_ABANDONED_MS)) continue;
          const adopted = deps.batchApi ? await findSubmittedBatch(deps.batchApi.client, job.job_id, job.created_at) : undefined;
          if (adopted) {
            // Created, its id lost: follow it like any other (never created twice, never paid twice).
            await updateBatchJob(deps.db, job.job_id, { status: adopted.status, openaiBatchId: adopted.id, inputFileId: adopted.input_file_id });
            deps.log?.({ event: 'batchApi.adopted', jobId: job.job_id, openaiBatchId: adopted.id });
            continue;
          }
          await updateBatchJob(deps.db, job.job_id, { status: 'failed', lastError: 'submission abandoned' });
        } else if (!FINAL.has(job.status)) {
          if (!deps.batchApi || !job.openai_batch_id) continue;
          if (job.batch_status === 'cancelled' && RUNNING.has(job.status)) await cancelOpenAIBatches(deps, job.batch_id);
          const batch = await deps.batchApi.client.batches.retrieve(job.openai_batch_id);
          await faultPoint('batch.afterPoll');
          await updateBatchJob(deps.db, job.job_id, {
            status: batch.status, outputFileId: batch.output_file_id ?? null, errorFileId: batch.error_file_id ?? null,
            lastError: batch.errors?.data?.map((e) => e.message).join('; ') ?? null,
          });
          deps.log?.({ event: 'batchApi.poll', jobId: job.job_id, status: batch.status });
          if (!FINAL.has(batch.status)) {
            await clearJobFailures(deps.db, job.job_id);
            continue;
          }
          job.output_file_id = batch.output_file_id ?? null;
          job.error_file_id = batch.error_file_id ?? null;
        }
        await downloadJob(deps, job);
        await faultPoint('batch.afterDownload');
      }
      if (await applyJob(deps, job.job_id, deadline)) applied += 1;
      await clearJobFailures(deps.db, job.job_id);
    } catch (error) {
      // Left as it is: the next pass continues from what Postgres holds — up to a limit.
      const message = error instanceof Error ? error.message : String(error);
      deps.log?.({ event: 'batchApi.poll-error', jobId: job.job_id, error: message });
      try {
        const failures = await recordJobFailure(deps.db, job.job_id, message);
        if (failures >= (deps.batchApi?.maxFailures ?? DEFAULT_BATCH_API_MAX_FAILURES)) await giveUpJob(deps, { ...job, failures: failures - 1 }, message);
      } catch (inner) {
        deps.log?.({ event: 'batchApi.give-up-error', jobId: job.job_id, error: inner instanceof Error ? inner.message : String(inner) });
      }
    }
  }
  return { polled: jobs.length, applied };
}
