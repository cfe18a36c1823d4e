import { z } from 'zod';
import type { AcceptDeps } from '../generation/acceptGenerationRequest';
import { getDailyUsage } from '../generation/queries/getDailyUsage';
import type { GenerationStatus } from '../generation/queries/types';
import { pickGenerator } from '../questions/pickGenerator';
import { InvalidInputError } from '../shared/errors';
import { parseInput } from '../shared/validation';
import { mirrorBatch, type MirrorDeps } from './batchMirror';
import type { BatchApiConfig } from './openaiBatch/batchApiJob';
import { costUsd, ESTIMATED_OUTPUT_TOKENS_PER_QUESTION, ESTIMATED_PROMPT_TOKENS_PER_CALL, priceOf, type PriceTable } from './costs';
import { expandPlan, type PlanEntry, type PlanIssue } from './plan';
import { getRequestStatuses } from './queries/getRequestStatuses';
import { insertBatch } from './queries/insertBatch';
import type { BatchEstimate, BatchMode } from './queries/types';

export type BatchDeps = AcceptDeps & MirrorDeps & {
  batchApi?: BatchApiConfig;
  /** Without an explicit mode, batches of at least this many pools use the Batch API (when configured). */
  batchApiMinPools?: number;
  log?: (entry: Record<string, unknown>) => void;
};

export type Actor = { uid: string; email?: string };

export const createBatchSchema = z.strictObject({
  plan: z.unknown().refine((plan) => plan !== undefined, 'is required'),
  name: z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(120, 'must be at most 120 characters').optional(),
  mode: z.enum(['sync', 'batch'], { error: 'must be sync or batch' }).optional(),
  dryRun: z.boolean({ error: 'must be true or false' }).default(true),
});

export type PoolState = 'new' | 'done' | 'in-flight' | 'failed';

export type CreateBatchResult = {
  batchId: string;
  dryRun: boolean;
  name: string;
  mode: BatchMode;
  total: number;
  newPools: number;
  alreadyDone: number;
  inFlight: number;
  estimate: BatchEstimate & { budgetLeftTokens: number };
  pools: Array<{ position: number; poolKey: string; targetCount: number; state: PoolState }>;
  /** False when the batch already existed (same plan): it is returned as it was. */
  created?: boolean;
};

function stateOf(work: { status: GenerationStatus; targetCount: number } | undefined, targetCount: number): PoolState {
  const status = work?.status;
  // A pool done at a lower target is new work: the batch raises it (for the delta).
  if (status === 'done') return work!.targetCount >= targetCount ? 'done' : 'new';
  if (status === 'pending' || status === 'running') return 'in-flight';
  if (status === 'failed') return 'failed';
  return 'new';
}

/** Model calls and tokens for the pools that need new work; facts pools and joined work cost nothing. */
function estimate(deps: BatchDeps, entries: readonly { entry: PlanEntry; state: PoolState }[], mode: BatchMode, prices: PriceTable): BatchEstimate {
  let modelCalls = 0;
  let tokensOut = 0;
  for (const { entry, state } of entries) {
    if (state === 'done' || state === 'in-flight') continue;
    const generator = pickGenerator(deps.generators, entry.pool);
    if (generator.name !== 'openai') continue;
    modelCalls += Math.ceil(entry.targetCount / generator.maxPerCall);
    tokensOut += entry.targetCount * ESTIMATED_OUTPUT_TOKENS_PER_QUESTION;
  }
  const tokensIn = modelCalls * ESTIMATED_PROMPT_TOKENS_PER_CALL;
  const price = priceOf(prices, deps.pricing.model);
  const usage = { tokensIn, cachedTokensIn: 0, tokensOut };
  return { modelCalls, tokensIn, tokensOut, costUsd: costUsd(price, usage, mode), syncCostUsd: costUsd(price, usage, 'sync') };
}

/**
 * Expands and checks a plan, compares it with existing work and, unless it is a dry run, stores
 * the batch (status created, not started). Same plan → same batchId → the stored batch.
 */
export async function createBatch(deps: BatchDeps, actor: Actor, input: unknown): Promise<CreateBatchResult> {
  const request = parseInput(createBatchSchema, input);
  if (request.mode === 'batch' && !deps.batchApi) {
    throw new InvalidInputError('mode: "batch" needs the OpenAI Batch API, and no OPENAI_API_KEY is configured; use "sync"', {
      issues: [{ position: null, field: 'mode', rule: '"batch" needs OPENAI_API_KEY' } satisfies PlanIssue],
    });
  }
  const plan = expandPlan(request.plan);
  const mode: BatchMode = request.mode ?? (deps.batchApi && plan.entries.length >= (deps.batchApiMinPools ?? Infinity) ? 'batch' : 'sync');
  // Every pool must have a generator that can serve it; report them all by position.
  const unservable: PlanIssue[] = [];
  for (const entry of plan.entries) {
    try {
      pickGenerator(deps.generators, entry.pool);
    } catch (error) {
      unservable.push({ position: entry.position, field: 'pool', rule: error instanceof Error ? error.message : String(error) });
    }
  }
  if (unservable.length > 0) {
    throw new InvalidInputError(`Invalid plan: ${unservable.slice(0, 3).map((i) => `#${i.position} ${i.rule}`).join('; ')}`, { issues: unservable });
  }

  const statuses = await getRequestStatuses(deps.db, plan.entries.map((e) => e.requestKey));
  const pools = plan.entries.map((entry) => ({ entry, state: stateOf(statuses.get(entry.requestKey), entry.targetCount) }));
  const est = estimate(deps, pools, mode, deps.pricing.prices);
  const global = await getDailyUsage(deps.db, 'global');
  const budgetLeftTokens = Math.max(0, deps.quotas.globalDailyTokens - global.tokens);
  const name = request.name ?? `batch of ${plan.entries.length} pools`;

  const result: CreateBatchResult = {
    batchId: plan.batchId,
    dryRun: request.dryRun,
    name,
    mode,
    total: plan.entries.length,
    newPools: pools.filter((p) => p.state === 'new' || p.state === 'failed').length,
    alreadyDone: pools.filter((p) => p.state === 'done').length,
    inFlight: pools.filter((p) => p.state === 'in-flight').length,
    estimate: { ...est, budgetLeftTokens },
    pools: pools.map(({ entry, state }) => ({ position: entry.position, poolKey: entry.poolKey, targetCount: entry.targetCount, state })),
  };
  if (request.dryRun) return result;

  if (est.tokensIn + est.tokensOut > budgetLeftTokens) {
    throw new InvalidInputError(
      `The plan needs about ${est.tokensIn + est.tokensOut} tokens; ${budgetLeftTokens} are left in today's global budget (GLOBAL_DAILY_TOKEN_BUDGET)`,
      { issues: [{ position: null, field: 'plan', rule: 'estimated tokens exceed the remaining global daily token budget' } satisfies PlanIssue], estimate: result.estimate },
    );
  }
  const stored = await insertBatch(deps.db, {
    batchId: plan.batchId, name, mode, estimate: est, createdBy: actor.email ?? actor.uid, entries: plan.entries,
  });
  await mirrorBatch(deps, plan.batchId);
  return { ...result, name: stored.row.name, mode: stored.row.mode, created: stored.created };
}
