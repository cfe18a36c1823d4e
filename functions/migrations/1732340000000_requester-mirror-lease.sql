-- Up Migration

-- While a call is writing a requester's Firestore documents, the requester holds a short lease:
-- its concurrent duplicates (a storm of identical calls) leave the write to it instead of each
-- repairing it and re-offering the task. A failed write releases the lease at once; a crashed
-- writer's lease lapses, and the next call repairs.
ALTER TABLE generation_requesters ADD COLUMN mirroring_until timestamptz;

-- Down Migration
ALTER TABLE generation_requesters DROP COLUMN mirroring_until;
