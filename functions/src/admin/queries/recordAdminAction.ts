import type { Queryable } from '../../shared/postgres';

export type AdminActionRecord = {
  actorUid: string;
  actorEmail?: string;
  action: string;
  target?: string;
  params?: unknown;
  outcome: 'ok' | 'error';
  result?: unknown;
  error?: string;
};

export async function recordAdminAction(db: Queryable, input: AdminActionRecord): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO admin_actions (actor_uid, actor_email, action, target, params, outcome, result, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     RETURNING id`,
    [
      input.actorUid,
      input.actorEmail ?? null,
      input.action,
      input.target ?? null,
      JSON.stringify(input.params ?? {}),
      input.outcome,
      input.result === undefined ? null : JSON.stringify(input.result),
      input.error?.slice(0, 2000) ?? null,
    ],
  );
  return Number(rows[0]!.id);
}
