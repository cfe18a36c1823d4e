import { costUsd, priceOf, roundUsd, type PriceTable } from './costs';
import type { BatchMode, BatchStatus, GenerationBatchRow } from './queries/types';

export type BatchSummary = {
  batchId: string;
  name: string;
  mode: BatchMode;
  status: BatchStatus;
  total: number;
  pending: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
  questionsWritten: number;
  tokensIn: number;
  tokensOut: number;
  cachedTokensIn: number;
  estimatedCostUsd: number;
  actualCostUsd: number;
  syncCostUsd: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  createdBy: string;
};

export type Pricing = { prices: PriceTable; model: string };

export function toBatchSummary(row: GenerationBatchRow, pricing: Pricing): BatchSummary {
  const usage = { tokensIn: Number(row.tokens_in), cachedTokensIn: Number(row.cached_tokens_in), tokensOut: Number(row.tokens_out) };
  const price = priceOf(pricing.prices, pricing.model);
  // Tokens paid through the Batch API cost half; the rest (sync runs, fallbacks) full price.
  const viaBatchApi = { tokensIn: Number(row.batch_api_tokens_in ?? 0), cachedTokensIn: Number(row.batch_api_cached_tokens_in ?? 0), tokensOut: Number(row.batch_api_tokens_out ?? 0) };
  const viaSync = {
    tokensIn: Math.max(0, usage.tokensIn - viaBatchApi.tokensIn),
    cachedTokensIn: Math.max(0, usage.cachedTokensIn - viaBatchApi.cachedTokensIn),
    tokensOut: Math.max(0, usage.tokensOut - viaBatchApi.tokensOut),
  };
  return {
    batchId: row.batch_id,
    name: row.name,
    mode: row.mode,
    status: row.status,
    total: row.total,
    // Pools not accepted yet are pending too.
    pending: row.total - row.running - row.done - row.failed - row.cancelled,
    running: row.running,
    done: row.done,
    failed: row.failed,
    cancelled: row.cancelled,
    questionsWritten: Number(row.questions_written),
    ...usage,
    estimatedCostUsd: row.estimate.costUsd,
    actualCostUsd: roundUsd(costUsd(price, viaSync, 'sync') + costUsd(price, viaBatchApi, 'batch')),
    syncCostUsd: costUsd(price, usage, 'sync'),
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    createdBy: row.created_by,
  };
}
