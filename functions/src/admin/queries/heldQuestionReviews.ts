import type { Queryable } from '../../shared/postgres';

export type HeldReviewAction = 'keep' | 'fix-key' | 'edit' | 'remove';
export type HeldReviewRow = { action: HeldReviewAction; inputHash: string; storedId: string | null; decidedBy: string; decidedAt: string };

export async function getHeldReview(db: Queryable, requestKey: string, questionId: string): Promise<HeldReviewRow | undefined> {
  const { rows } = await db.query<{ action: HeldReviewAction; input_hash: string; stored_id: string | null; decided_by: string; decided_at: Date }>(
    `SELECT action, input_hash, stored_id, decided_by, decided_at FROM held_question_reviews WHERE request_key = $1 AND question_id = $2`,
    [requestKey, questionId],
  );
  const r = rows[0];
  return r ? { action: r.action, inputHash: r.input_hash, storedId: r.stored_id, decidedBy: r.decided_by, decidedAt: r.decided_at.toISOString() } : undefined;
}

/** Records the decision unless one exists; true when this call recorded it. */
export async function insertHeldReview(db: Queryable, input: { requestKey: string; questionId: string; poolKey: string; action: HeldReviewAction; inputHash: string; storedId: string | null; decidedBy: string }): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO held_question_reviews (request_key, question_id, pool_key, action, input_hash, stored_id, decided_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (request_key, question_id) DO NOTHING`,
    [input.requestKey, input.questionId, input.poolKey, input.action, input.inputHash, input.storedId, input.decidedBy],
  );
  return rowCount === 1;
}

/** Undoes a decision whose pool write was refused (the question reached the pool another way meanwhile). */
export async function deleteHeldReview(db: Queryable, requestKey: string, questionId: string, inputHash: string): Promise<void> {
  await db.query(`DELETE FROM held_question_reviews WHERE request_key = $1 AND question_id = $2 AND input_hash = $3`, [requestKey, questionId, inputHash]);
}
