-- Up Migration

-- Batch API mode: a request whose model work is held by an OpenAI batch job is not claimed by the
-- sync task path (nor rescued by the sweeper) until the job's output is stored or the job is given up.
ALTER TABLE generation_requests ADD COLUMN held_by_job text;
CREATE INDEX generation_requests_held_idx ON generation_requests (held_by_job) WHERE held_by_job IS NOT NULL;

-- One OpenAI batch per generation batch (job_id = batch_id). The downloaded output is stored here
-- before anything else happens with it: a crash after the download never downloads (or pays) again.
CREATE TABLE openai_batch_jobs (
  job_id           text PRIMARY KEY REFERENCES generation_batches (batch_id) ON DELETE CASCADE,
  status           text NOT NULL DEFAULT 'submitting'
                   CHECK (status IN ('submitting', 'validating', 'in_progress', 'finalizing', 'completed', 'failed', 'expired', 'cancelling', 'cancelled', 'applied')),
  openai_batch_id  text,
  input_file_id    text,
  output_file_id   text,
  error_file_id    text,
  -- custom_id → { requestKey, count } for every line sent.
  lines            jsonb NOT NULL,
  -- Output and error lines as downloaded (custom_id → response body or error).
  output           jsonb,
  downloaded_at    timestamptz,
  downloads        integer NOT NULL DEFAULT 0,
  polls            integer NOT NULL DEFAULT 0,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  applied_at       timestamptz
);
CREATE INDEX openai_batch_jobs_open_idx ON openai_batch_jobs (created_at) WHERE status <> 'applied';

-- Tokens paid through the Batch API (half price), apart from the batch's sync tokens.
ALTER TABLE generation_batches ADD COLUMN batch_api_tokens_in bigint NOT NULL DEFAULT 0;
ALTER TABLE generation_batches ADD COLUMN batch_api_tokens_out bigint NOT NULL DEFAULT 0;
ALTER TABLE generation_batches ADD COLUMN batch_api_cached_tokens_in bigint NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE generation_batches DROP COLUMN batch_api_cached_tokens_in;
ALTER TABLE generation_batches DROP COLUMN batch_api_tokens_out;
ALTER TABLE generation_batches DROP COLUMN batch_api_tokens_in;
DROP TABLE openai_batch_jobs;
DROP INDEX generation_requests_held_idx;
ALTER TABLE generation_requests DROP COLUMN held_by_job;
