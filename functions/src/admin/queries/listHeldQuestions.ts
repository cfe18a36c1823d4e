import type { Queryable } from '../../shared/postgres';

export type HeldQuestionRow = { requestKey: string; poolKey: string; params: Record<string, unknown>; heldAt: string; item: Record<string, unknown> };

/**
 * Questions the verifier held with their requests and no admin has decided on yet, in a stable
 * order (request key, question id) for paging; filtered by pool and by the verifier's verdict.
 */
export async function listHeldQuestions(db: Queryable, input: { poolKey?: string; verdict?: string; after?: { requestKey: string; questionId: string }; limit: number }): Promise<HeldQuestionRow[]> {
  const { rows } = await db.query<{ request_key: string; pool_key: string; params: Record<string, unknown>; held_at: Date; item: Record<string, unknown> }>(
    `SELECT r.request_key, r.pool_key, r.params, coalesce(r.finished_at, r.updated_at) AS held_at, h.item
       FROM generation_requests r
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.result->'held') = 'array' THEN r.result->'held' ELSE '[]'::jsonb END) AS h(item)
       LEFT JOIN held_question_reviews d ON d.request_key = r.request_key AND d.question_id = h.item->>'id'
      WHERE r.result ? 'held'
        AND d.request_key IS NULL
        AND ($1::text IS NULL OR r.pool_key = $1)
        AND ($2::text IS NULL OR h.item->'verification'->>'verdict' = $2)
        AND ($3::text IS NULL OR (r.request_key, h.item->>'id') > ($3::text, $4::text))
      ORDER BY r.request_key, h.item->>'id'
      LIMIT $5`,
    [input.poolKey ?? null, input.verdict ?? null, input.after?.requestKey ?? null, input.after?.questionId ?? null, input.limit],
  );
  return rows.map((r) => ({ requestKey: r.request_key, poolKey: r.pool_key, params: r.params, heldAt: r.held_at.toISOString(), item: r.item }));
}

/** One held question of a request, whether decided or not. */
export async function getHeldQuestion(db: Queryable, requestKey: string, questionId: string): Promise<Omit<HeldQuestionRow, 'heldAt'> | undefined> {
  const { rows } = await db.query<{ request_key: string; pool_key: string; params: Record<string, unknown>; item: Record<string, unknown> }>(
    `SELECT r.request_key, r.pool_key, r.params, h.item
       FROM generation_requests r
      CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.result->'held') = 'array' THEN r.result->'held' ELSE '[]'::jsonb END) AS h(item)
      WHERE r.request_key = $1 AND r.result ? 'held' AND h.item->>'id' = $2
      LIMIT 1`,
    [requestKey, questionId],
  );
  const r = rows[0];
  return r ? { requestKey: r.request_key, poolKey: r.pool_key, params: r.params, item: r.item } : undefined;
}
