import OpenAI from 'openai';
import type { BatchApiConfig } from '../../src/batches/openaiBatch/batchApiJob';
import type { BatchDeps } from '../../src/batches/createBatch';
import { firebaseGenerationTaskQueue } from '../../src/generation/taskQueue';
import { FactsGenerator } from '../../src/questions/facts/factsGenerator';
import { OpenAIGenerator } from '../../src/questions/openai/openaiGenerator';
import { testDb, testFirestore, testStack } from './stack';

// Batch API mode in tests: the fake's Batch API controls, the jobs as Postgres holds them, and the
// batches domain's dependencies as the deployed functions build them (for in-process starts and polls).

const controlUrl = (path: string) => `${testStack().openaiUrl.replace(/\/v1$/, '')}/_control/${path}`;
export async function batchFault(theme: string, fault: Record<string, unknown>) {
  await fetch(controlUrl('batch-fault'), { method: 'POST', body: JSON.stringify({ theme, ...fault }) });
}
export type Stats = { batches: number; downloads: number; lines: number; cancels: number; billedLines: number };
export async function batchStats(theme: string): Promise<Stats> {
  return (await (await fetch(`${controlUrl('batch-stats')}?theme=${encodeURIComponent(theme)}`)).json()) as Stats;
}

/** The batch's OpenAI jobs and their lines, as Postgres holds them. */
export async function jobsOf(batchId: string) {
  return (await testDb().query(
    `SELECT j.job_id, j.status, j.downloads, j.downloaded_at, j.failures,
            (SELECT count(*)::int FROM openai_batch_lines l WHERE l.job_id = j.job_id) AS lines,
            (SELECT count(*)::int FROM openai_batch_lines l WHERE l.job_id = j.job_id AND l.outcome IS NOT NULL) AS stored
       FROM openai_batch_jobs j WHERE j.batch_id = $1 ORDER BY j.created_at`,
    [batchId],
  )).rows as Array<{ job_id: string; status: string; downloads: number; downloaded_at: Date | null; failures: number; lines: number; stored: number }>;
}

export async function heldCount(batchId: string): Promise<number> {
  return (await testDb().query('SELECT count(*)::int AS n FROM generation_requests WHERE held_by_job IN (SELECT job_id FROM openai_batch_jobs WHERE batch_id = $1)', [batchId])).rows[0].n;
}

export function batchApiConfig(overrides: Partial<BatchApiConfig> = {}): BatchApiConfig {
  return { client: new OpenAI({ apiKey: 'test-key', baseURL: testStack().openaiUrl, maxRetries: 0 }), model: 'fake-model', questionsPerCall: 10, ...overrides };
}

/** The domain's dependencies as the deployed functions build them, with this test's Batch API limits. */
export function batchDeps(batchApi: BatchApiConfig): BatchDeps {
  return {
    db: testDb(),
    firestore: testFirestore(),
    pricing: { prices: {}, model: 'fake-model' },
    queue: firebaseGenerationTaskQueue('generateQuestionPool', testStack().region),
    generators: [new FactsGenerator(), new OpenAIGenerator({ apiKey: 'test-key', baseURL: testStack().openaiUrl, model: 'fake-model', questionsPerCall: 10, timeoutMs: 5_000 })],
    maxAttempts: 3,
    failedCooldownSeconds: 3600,
    quotas: { userDailyRequests: 1000, userDailyTokens: 1e9, globalDailyTokens: 1e12 },
    batchApi,
  };
}

