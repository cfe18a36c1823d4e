export type GenerationStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled';

export type GenerationRequestRow = {
  request_key: string;
  pool_key: string;
  params: unknown;
  target_count: number;
  status: GenerationStatus;
  attempts: number;
  max_attempts: number;
  enqueue_count: number;
  enqueued_at: Date | null;
  lease_expires_at: Date | null;
  not_before: Date | null;
  tokens_in: number;
  tokens_out: number;
  started_at: Date | null;
  finished_at: Date | null;
  last_error: string | null;
  result: unknown;
  generated_count: number | null;
  requested_by: string;
  created_at: Date;
  updated_at: Date;
};
