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
import type { Queryable } from '../../shared/postgres';
import { heldRequestsOfJob } from '../queries/heldRequestsOfJob';
import type { HeldRequest } from '../queries/holdRequestsForJob';
import { insertBatchJob, type JobLine } from '../queries/insertBatchJob';
import { listOpenBatchJobs, type BatchJobRow } from '../queries/listOpenBatchJobs';
import { markBatchJobApplied } from '../queries/markBatchJobApplied';
import { releaseHeldRequest, type BatchApiUsage } from '../queries/releaseHeldRequest';
import { storeJobOutput } from '../queries/storeJobOutput';
import { updateBatchJob } from '../queries/updateBatchJob';

export type BatchApiConfig = { client: OpenAI; model: string; questionsPerCall: number };

export type BatchApiDeps = {
  db: Queryable;
  firestore: Firestore;
  queue: GenerationTaskQueue;
  batchApi?: BatchApiConfig;
  log?: (entry: Record<string, unknown>) => void;
};

/** OpenAI's terminal batch states; the output (if any) is downloadable from here on. */
const FINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);
/** A job stuck in 'submitting' this long was abandoned mid-submission: give its work back. */
const SUBMIT_ABANDONED_MS = 10 * 60_000;

/** custom_id = requestKey + "-" + the line's index within that request. */
export function customIdOf(requestKey: string, index: number): string {
  return `${requestKey}-${index}`;
}

/**
 * Submits the held requests as one OpenAI batch: a JSONL of chat completion bodies (the sync
 * generator's exact body, json_schema included), uploaded with purpose "batch", then a batch with
 * a 24 h window. Any failure hands every held request back to the sync path.
 */
export async function submitBatchApiJob(deps: BatchApiDeps, jobId: string, held: readonly HeldRequest[]): Promise<void> {
  const config = deps.batchApi;
  const lines: Record<string, JobLine> = {};
  const jsonl: string[] = [];
  for (const request of held) {
    const params = poolParamsSchema.parse(request.params);
    const have = ((request.result as GenerationResult | null)?.questions ?? []).length;
    let wanted = request.target_count - have;
    for (let index = 0; wanted > 0; index++) {
      const count = Math.min(wanted, config?.questionsPerCall ?? wanted);
      wanted -= count;
      const customId = customIdOf(request.request_key, index);
      lines[customId] = { requestKey: request.request_key, count };
      jsonl.push(JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body: chatCompletionBody(config?.model ?? 'none', params, count) }));
    }
  }
  if (!(await insertBatchJob(deps.db, jobId, lines))) {
    // The batch's job was submitted by an earlier start: what this (resumed) start held goes sync.
    for (const request of held) {
      if (Object.values(lines).some((l) => l.requestKey === request.request_key)) {
        const count = await releaseHeldRequest(deps.db, { jobId, requestKey: request.request_key, result: null, usage: { tokensIn: 0, tokensOut: 0, cachedTokensIn: 0 } });
        if (count !== undefined) await enqueueOwned(deps, request.request_key, count);
      }
    }
    return;
  }
  try {
    if (!config) throw new Error('no OpenAI key configured');
    const file = await config.client.files.create({ file: await toFile(Buffer.from(`${jsonl.join('\n')}\n`), 'batch.jsonl'), purpose: 'batch' });
    const batch = await config.client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await updateBatchJob(deps.db, jobId, { status: batch.status, openaiBatchId: batch.id, inputFileId: file.id });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.log?.({ event: 'batchApi.submit-failed', jobId, error: message });
    await updateBatchJob(deps.db, jobId, { status: 'failed', lastError: `submission failed: ${message}` });
    await applyJob(deps, { job_id: jobId, output: null });
  }
}

type LineOutcome = { questions: Question[]; usage: BatchApiUsage; failed: boolean };

/** Output and error files → custom_id → parsed questions and usage (order in the files is not guaranteed). */
function readOutput(output: Record<string, unknown> | null, model: string): Map<string, LineOutcome> {
  const byId = new Map<string, LineOutcome>();
  for (const [customId, line] of Object.entries(output ?? {})) {
    const response = (line as { response?: { status_code?: number; body?: Record<string, unknown> } } | null)?.response;
    const body = response?.body as { choices?: Array<{ message?: { content?: string | null } }>; usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } } } | undefined;
    const usage = {
      tokensIn: body?.usage?.prompt_tokens ?? 0,
      tokensOut: body?.usage?.completion_tokens ?? 0,
      cachedTokensIn: body?.usage?.prompt_tokens_details?.cached_tokens ?? 0,
    };
    const content = response?.status_code === 200 ? body?.choices?.[0]?.message?.content : undefined;
    const parsed = typeof content === 'string' ? parseModelOutput(content, model) : undefined;
    byId.set(customId, { questions: parsed?.ok ? parsed.questions : [], usage, failed: !parsed?.ok });
  }
  return byId;
}

async function downloadText(client: OpenAI, fileId: string): Promise<string> {
  const response = await client.files.content(fileId);
  return response.text();
}

function parseJsonl(text: string, into: Record<string, unknown>): void {
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const parsed = JSON.parse(line) as { custom_id?: string };
    if (parsed.custom_id) into[parsed.custom_id] = parsed;
  }
}

/**
 * Runs each held request's Batch API answers through the quality gate and the near-duplicate
 * filter against its pool, stores the result in Postgres (before Firestore sees anything) and
 * hands the request to the sync task, which writes the pool and marks it done without calling the
 * model — or generates what is still missing (failed lines, an expired or failed batch).
 */
async function applyJob(deps: BatchApiDeps, job: Pick<BatchJobRow, 'job_id' | 'output'>): Promise<void> {
  const model = deps.batchApi?.model ?? 'none';
  const outcomes = readOutput(job.output, model);
  const held = await heldRequestsOfJob(deps.db, job.job_id);
  for (const request of held) {
    const params = poolParamsSchema.parse(request.params);
    const mine = [...outcomes.entries()].filter(([customId]) => customId.startsWith(`${request.request_key}-`)).map(([, outcome]) => outcome);
    const usage = mine.reduce((sum, o) => ({ tokensIn: sum.tokensIn + o.usage.tokensIn, tokensOut: sum.tokensOut + o.usage.tokensOut, cachedTokensIn: sum.cachedTokensIn + o.usage.cachedTokensIn }), { tokensIn: 0, tokensOut: 0, cachedTokensIn: 0 });
    let result: GenerationResult | null = null;
    const candidates = mine.flatMap((o) => o.questions);
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
    const enqueueCount = await releaseHeldRequest(deps.db, { jobId: job.job_id, requestKey: request.request_key, result, usage });
    if (enqueueCount !== undefined) await enqueueOwned(deps, request.request_key, enqueueCount);
  }
  await markBatchJobApplied(deps.db, job.job_id);
}

/**
 * One pass of the poller over unfinished jobs: follows each OpenAI batch through validating →
 * in_progress → finalizing → completed | failed | expired | cancelled; once final, downloads the
 * output and error files exactly once (stored in Postgres), then applies them.
 */
export async function pollBatchApiJobs(deps: BatchApiDeps): Promise<{ polled: number; applied: number }> {
  const jobs = await listOpenBatchJobs(deps.db);
  let applied = 0;
  for (const job of jobs) {
    try {
      if (!job.downloaded_at) {
        if (job.status === 'submitting') {
          if (Date.now() - job.created_at.getTime() < SUBMIT_ABANDONED_MS) continue;
          await updateBatchJob(deps.db, job.job_id, { status: 'failed', lastError: 'submission abandoned' });
        } else if (!FINAL.has(job.status)) {
          if (!deps.batchApi || !job.openai_batch_id) continue;
          const batch = await deps.batchApi.client.batches.retrieve(job.openai_batch_id);
          await updateBatchJob(deps.db, job.job_id, {
            status: batch.status, outputFileId: batch.output_file_id ?? null, errorFileId: batch.error_file_id ?? null,
            lastError: batch.errors?.data?.map((e) => e.message).join('; ') ?? null,
          });
          deps.log?.({ event: 'batchApi.poll', jobId: job.job_id, status: batch.status });
          if (!FINAL.has(batch.status)) continue;
          job.output_file_id = batch.output_file_id ?? null;
          job.error_file_id = batch.error_file_id ?? null;
        }
        const output: Record<string, unknown> = {};
        if (deps.batchApi && job.output_file_id) parseJsonl(await downloadText(deps.batchApi.client, job.output_file_id), output);
        if (deps.batchApi && job.error_file_id) parseJsonl(await downloadText(deps.batchApi.client, job.error_file_id), output);
        await storeJobOutput(deps.db, job.job_id, output);
        job.output = output;
      }
      await applyJob(deps, job);
      applied += 1;
    } catch (error) {
      // Left as it is: the next pass continues from what Postgres holds.
      deps.log?.({ event: 'batchApi.poll-error', jobId: job.job_id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { polled: jobs.length, applied };
}
