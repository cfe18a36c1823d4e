import { getAuth } from 'firebase-admin/auth';
import { z } from 'zod';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import { listAdminActions } from './queries/listAdminActions';

const auditSchema = z.strictObject({
  action: z.string().trim().min(1).max(100).optional(),
  /** A uid, or an email resolved to its uid. */
  actor: z.string().trim().min(1).max(200).optional(),
  target: z.string().trim().min(1).max(400).optional(),
  outcome: z.enum(['ok', 'error']).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.int().min(1).max(200).default(50),
});

export async function listAuditPage(db: Queryable, input: unknown) {
  const filter = parseInput(auditSchema, input ?? {});
  let actorUid = filter.actor;
  if (actorUid?.includes('@')) actorUid = (await getAuth().getUserByEmail(actorUid).catch(() => undefined))?.uid ?? `unknown:${actorUid}`;
  const rows = await listAdminActions(db, { action: filter.action, actorUid, target: filter.target, outcome: filter.outcome, beforeId: filter.before, limit: filter.limit + 1 });
  const page = rows.slice(0, filter.limit);
  return { actions: page.map((a) => ({ ...a, id: String(a.id) })), ...(rows.length > filter.limit ? { next: String(page[page.length - 1]!.id) } : {}) };
}
