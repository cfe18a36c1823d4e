-- Up Migration

-- An admin's decision on a question the verifier held with its request (result.held): the held
-- question leaves the review queue once decided. The row is written before the pool is touched,
-- so the same call repeated finishes the same decision and a different one is refused.
CREATE TABLE held_question_reviews (
  request_key  text NOT NULL,
  question_id  text NOT NULL,
  pool_key     text NOT NULL,
  action       text NOT NULL CHECK (action IN ('keep', 'fix-key', 'edit', 'remove')),
  input_hash   text NOT NULL,
  -- The pool question the decision wrote (keep, fix-key, edit); null for remove.
  stored_id    text,
  decided_by   text NOT NULL,
  decided_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (request_key, question_id)
);

-- The review queue reads held questions from the requests that hold any.
CREATE INDEX generation_requests_held ON generation_requests (request_key) WHERE result ? 'held';

-- Down Migration
DROP INDEX generation_requests_held;
DROP TABLE held_question_reviews;
