import type { Queryable } from '../shared/postgres';
import { recordAdminAction } from './queries/recordAdminAction';

export type AdminActor = { uid: string; email?: string };

/** Results are summarized in the audit row: its scalars and the sizes of its lists, never whole payloads. */
export function summarizeResult(result: unknown): unknown {
  if (result === undefined || result === null || typeof result !== 'object') return result ?? null;
  if (Array.isArray(result)) return { items: result.length };
  const summary: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result as Record<string, unknown>)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      summary[key] = typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}…` : value;
    } else if (Array.isArray(value)) {
      summary[key] = { items: value.length };
    }
  }
  return summary;
}

/**
 * Runs an admin action and leaves one audit row for it, whether it succeeded or not.
 * The row is written after the action: a failed audit write must not undo or hide a completed action,
 * so it is raised as its own error (the caller sees the action may have happened).
 */
export async function audited<T>(
  db: Queryable,
  actor: AdminActor,
  action: string,
  input: { target?: string; params?: unknown },
  work: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await recordAdminAction(db, {
      actorUid: actor.uid,
      actorEmail: actor.email,
      action,
      target: input.target,
      params: input.params,
      outcome: 'error',
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    }).catch(() => undefined);
    throw error;
  }
  await recordAdminAction(db, {
    actorUid: actor.uid,
    actorEmail: actor.email,
    action,
    target: input.target,
    params: input.params,
    outcome: 'ok',
    result: summarizeResult(result),
  });
  return result;
}
