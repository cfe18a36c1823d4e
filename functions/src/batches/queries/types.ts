export type BatchStatus = 'created' | 'running' | 'done' | 'failed' | 'cancelled';
export type BatchMode = 'sync' | 'batch';

export type BatchEstimate = { modelCalls: number; tokensIn: number; tokensOut: number; costUsd: number; syncCostUsd: number };

export type GenerationBatchRow = {
  batch_id: string;
  name: string;
  mode: BatchMode;
  status: BatchStatus;
  total: number;
  pending: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
  questions_written: string;
  tokens_in: string;
  tokens_out: string;
  cached_tokens_in: string;
  estimate: BatchEstimate;
  created_by: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
  seq: string;
  mirrored_seq: string;
  batch_api_tokens_in: string;
  batch_api_tokens_out: string;
  batch_api_cached_tokens_in: string;
};
