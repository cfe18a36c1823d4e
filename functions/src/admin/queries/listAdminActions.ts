import type { Queryable } from '../../shared/postgres';

export type AdminAction = {
  id: number;
  at: string;
  actorUid: string;
  actorEmail: string | null;
  action: string;
  target: string | null;
  params: unknown;
  outcome: 'ok' | 'error';
  result: unknown;
  error: string | null;
};

export type AdminActionFilter = {
  action?: string;
  actorUid?: string;
  target?: string;
  outcome?: 'ok' | 'error';
  since?: Date;
  until?: Date;
  /** Keyset paging: rows older than this id. */
  beforeId?: number;
  limit: number;
};

/** Newest first; every filter is optional and combined with AND. */
export async function listAdminActions(db: Queryable, filter: AdminActionFilter): Promise<AdminAction[]> {
  const { rows } = await db.query<{
    id: string;
    at: Date;
    actor_uid: string;
    actor_email: string | null;
    action: string;
    target: string | null;
    params: unknown;
    outcome: 'ok' | 'error';
    result: unknown;
    error: string | null;
  }>(
    `SELECT id, at, actor_uid, actor_email, action, target, params, outcome, result, error
       FROM admin_actions
      WHERE ($1::text IS NULL OR action = $1)
        AND ($2::text IS NULL OR actor_uid = $2)
        AND ($3::text IS NULL OR target = $3)
        AND ($4::text IS NULL OR outcome = $4)
        AND ($5::timestamptz IS NULL OR at >= $5)
        AND ($6::timestamptz IS NULL OR at < $6)
        AND ($7::bigint IS NULL OR id < $7)
      ORDER BY id DESC
      LIMIT $8`,
    [
      filter.action ?? null,
      filter.actorUid ?? null,
      filter.target ?? null,
      filter.outcome ?? null,
      filter.since ?? null,
      filter.until ?? null,
      filter.beforeId ?? null,
      filter.limit,
    ],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    at: row.at.toISOString(),
    actorUid: row.actor_uid,
    actorEmail: row.actor_email,
    action: row.action,
    target: row.target,
    params: row.params,
    outcome: row.outcome,
    result: row.result,
    error: row.error,
  }));
}
