-- Up Migration

-- Batch API output stored per line, not as one jsonb per job (5,000 pools of output is about a
-- gigabyte), and a batch split into several OpenAI jobs within OpenAI's limits (50,000 requests,
-- 200 MB of input per batch). A job now names its batch; held_by_job names the job.
ALTER TABLE openai_batch_jobs DROP CONSTRAINT openai_batch_jobs_job_id_fkey;
ALTER TABLE openai_batch_jobs ADD COLUMN batch_id text REFERENCES generation_batches (batch_id) ON DELETE CASCADE;
UPDATE openai_batch_jobs SET batch_id = job_id;
ALTER TABLE openai_batch_jobs ALTER COLUMN batch_id SET NOT NULL;
CREATE INDEX openai_batch_jobs_batch_idx ON openai_batch_jobs (batch_id);
-- Consecutive failed poller passes: past a limit the job lets its requests go to the sync path.
ALTER TABLE openai_batch_jobs ADD COLUMN failures integer NOT NULL DEFAULT 0;

-- One row per line sent; outcome is what its output (or error) line brought, parsed, once downloaded.
CREATE TABLE openai_batch_lines (
  job_id       text NOT NULL REFERENCES openai_batch_jobs (job_id) ON DELETE CASCADE,
  custom_id    text NOT NULL,
  request_key  text NOT NULL,
  count        integer NOT NULL,
  -- { questions: [...], usage: { tokensIn, tokensOut, cachedTokensIn }, failed: bool }
  outcome      jsonb,
  PRIMARY KEY (job_id, custom_id)
);
CREATE INDEX openai_batch_lines_request_idx ON openai_batch_lines (job_id, request_key);

INSERT INTO openai_batch_lines (job_id, custom_id, request_key, count)
SELECT j.job_id, l.key, l.value->>'requestKey', (l.value->>'count')::int
  FROM openai_batch_jobs j, jsonb_each(j.lines) l;
-- A job downloaded but not applied yet downloads again (downloads are free; the model is not paid again).
UPDATE openai_batch_jobs SET downloaded_at = NULL WHERE status <> 'applied' AND downloaded_at IS NOT NULL;
ALTER TABLE openai_batch_jobs DROP COLUMN output;
ALTER TABLE openai_batch_jobs DROP COLUMN lines;

-- Down Migration
ALTER TABLE openai_batch_jobs ADD COLUMN lines jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE openai_batch_jobs ADD COLUMN output jsonb;
UPDATE openai_batch_jobs j SET lines = coalesce((SELECT jsonb_object_agg(custom_id, jsonb_build_object('requestKey', request_key, 'count', count)) FROM openai_batch_lines l WHERE l.job_id = j.job_id), '{}'::jsonb);
DROP TABLE openai_batch_lines;
ALTER TABLE openai_batch_jobs DROP COLUMN failures;
DROP INDEX openai_batch_jobs_batch_idx;
ALTER TABLE openai_batch_jobs DROP COLUMN batch_id;
DELETE FROM openai_batch_jobs j WHERE NOT EXISTS (SELECT 1 FROM generation_batches b WHERE b.batch_id = j.job_id);
ALTER TABLE openai_batch_jobs ADD CONSTRAINT openai_batch_jobs_job_id_fkey FOREIGN KEY (job_id) REFERENCES generation_batches (batch_id) ON DELETE CASCADE;
