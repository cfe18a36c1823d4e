-- Up Migration

-- Set once the requester's Firestore document is written: a retry of an accept whose Firestore
-- write failed after the Postgres commit sees false and writes it again. Existing rows were mirrored.
ALTER TABLE generation_requesters ADD COLUMN mirrored boolean NOT NULL DEFAULT true;
ALTER TABLE generation_requesters ALTER COLUMN mirrored SET DEFAULT false;

-- Down Migration
ALTER TABLE generation_requesters DROP COLUMN mirrored;
