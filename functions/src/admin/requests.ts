import type { Firestore } from 'firebase-admin/firestore';
import { getAuth } from 'firebase-admin/auth';
import { z } from 'zod';
import { FailedPreconditionError, InvalidInputError, NotFoundError } from '../shared/errors';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import { retryGenerationRequest } from '../generation/retryGenerationRequest';
import type { GenerationTaskQueue } from '../generation/taskQueue';
import { countPoolQuestions, POOLS } from '../pools/poolStore';
import { type BulkResult, cancelRequestKeys } from './cancel';
import { countRequests } from './queries/countRequests';
import { getRequestDetail } from './queries/getRequestDetail';
import { listBatchRequestKeys } from './queries/listBatchRequestKeys';
import { listRequestAttempts } from './queries/listRequestAttempts';
import { listRequestRequesters } from './queries/listRequestRequesters';
import { listRequests } from './queries/listRequests';
import type { RequestFilter } from './queries/requestFilter';
import { selectRequestKeys } from './queries/selectRequestKeys';

const requestKey = z.string().regex(/^[0-9a-f]{64}$/, 'must be a 64-character hex request key');
/** A date without a time means the start of that UTC day ("from") or the start of the next one ("to"). */
const day = (endOfDay: boolean) => z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/, 'must be a date such as 2026-11-22')
  .transform((text) => new Date(new Date(text).getTime() + (endOfDay && !text.includes('T') ? 86_400_000 : 0)))
  .refine((d) => !Number.isNaN(d.getTime()), 'is not a valid date');

export const filterSchema = z.strictObject({
  keyPrefix: z.string().trim().toLowerCase().regex(/^[0-9a-f]{1,64}$/, 'must be hex digits of a request key').optional(),
  pool: z.string().trim().min(1).max(200).optional(),
  status: z.enum(['pending', 'running', 'done', 'failed', 'cancelled']).optional(),
  requester: z.string().trim().min(1).max(200).optional(),
  batchId: z.string().trim().regex(/^[0-9a-zA-Z_-]{1,128}$/, 'is not a batch id').optional(),
  from: day(false).optional(),
  to: day(true).optional(),
});
export type FilterInput = z.input<typeof filterSchema>;

const listSchema = z.strictObject({
  filter: filterSchema.default({}),
  limit: z.int().min(1).max(200).default(50),
  after: z.string().regex(/^[^|]+\|[0-9a-f]{64}$/, 'is not a page cursor').optional(),
});

export type AdminRequestDeps = { db: Queryable; firestore: Firestore; queue: GenerationTaskQueue };

/** An email becomes its uid (an unknown email matches nobody); a batch becomes its request keys. */
async function resolveFilter(db: Queryable, input: z.output<typeof filterSchema>): Promise<RequestFilter> {
  const filter: RequestFilter = { keyPrefix: input.keyPrefix, pool: input.pool, status: input.status, from: input.from, to: input.to };
  if (input.requester) {
    if (input.requester.includes('@')) {
      const user = await getAuth().getUserByEmail(input.requester).catch(() => undefined);
      filter.requesterUids = user ? [user.uid] : [];
    } else {
      filter.requesterUids = [input.requester];
    }
  }
  if (input.batchId) filter.requestKeys = await listBatchRequestKeys(db, input.batchId);
  return filter;
}

export async function listRequestsPage(db: Queryable, input: unknown) {
  const { filter: rawFilter, limit, after } = parseInput(listSchema, input ?? {});
  const filter = await resolveFilter(db, rawFilter);
  const [cursorAt, cursorKey] = after ? after.split('|') : [];
  const [requests, total] = await Promise.all([
    listRequests(db, filter, { limit: limit + 1, after: after ? { createdAt: new Date(cursorAt!), requestKey: cursorKey! } : undefined }),
    countRequests(db, filter),
  ]);
  const page = requests.slice(0, limit);
  const last = page[page.length - 1];
  return { requests: page, total, ...(requests.length > limit && last ? { next: `${last.createdAt}|${last.requestKey}` } : {}) };
}

export async function getRequestView(deps: { db: Queryable; firestore: Firestore }, input: unknown) {
  const { requestKey: key } = parseInput(z.strictObject({ requestKey }), input);
  const request = await getRequestDetail(deps.db, key);
  if (!request) throw new NotFoundError(`No generation request ${key}`);
  const [attempts, requesterRows, poolDoc] = await Promise.all([
    listRequestAttempts(deps.db, key),
    listRequestRequesters(deps.db, key, 50),
    deps.firestore.collection(POOLS).doc(request.poolKey).get(),
  ]);
  const users = requesterRows.length ? await getAuth().getUsers(requesterRows.map((r) => ({ uid: r.uid }))).catch(() => ({ users: [] })) : { users: [] };
  const emails = new Map(users.users.map((u) => [u.uid, u.email ?? null]));
  const pool = poolDoc.exists
    ? { poolKey: request.poolKey, count: (poolDoc.get('count') as number | undefined) ?? (await countPoolQuestions(deps.firestore, request.poolKey)), updatedAt: poolDoc.get('updatedAt')?.toDate?.().toISOString() ?? null }
    : null;
  return { request, requesters: requesterRows.map((r) => ({ ...r, email: emails.get(r.uid) ?? null })), attempts, pool };
}

/** A bulk action never runs on more than this many requests at once: narrow the filter. */
export const BULK_LIMIT = 500;

const bulkSchema = z.union([
  z.strictObject({ requestKeys: z.array(requestKey).min(1).max(BULK_LIMIT) }),
  // The count the admin read and confirmed: a filter matching a different number now (rows arrived
  // or changed state since) is refused rather than acting on rows nobody saw.
  z.strictObject({ filter: filterSchema, expectedCount: z.int().min(0) }),
]);

async function selectTargets(db: Queryable, input: unknown): Promise<string[]> {
  const parsed = parseInput(bulkSchema, input);
  if ('requestKeys' in parsed) return [...new Set(parsed.requestKeys)];
  if (Object.keys(parsed.filter).length === 0) throw new InvalidInputError('filter: give at least one condition (a bulk action on every request is refused)');
  const keys = await selectRequestKeys(db, await resolveFilter(db, parsed.filter), BULK_LIMIT);
  if (keys.length > BULK_LIMIT) throw new InvalidInputError(`filter: matches more than ${BULK_LIMIT} requests; narrow it`);
  if (keys.length !== parsed.expectedCount) {
    throw new FailedPreconditionError(
      `filter: matches ${keys.length} requests now, not the ${parsed.expectedCount} you confirmed; reload and confirm again`,
      { expectedCount: parsed.expectedCount, matched: keys.length },
    );
  }
  // Only these keys are acted on: a row arriving after this point is not among them.
  return keys;
}

async function inChunks<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

export type { BulkResult };

/** Retry: failed requests reopen, stuck ones get a fresh task, done ones are left alone. */
export async function retryRequests(deps: AdminRequestDeps, input: unknown): Promise<BulkResult> {
  const keys = await selectTargets(deps.db, input);
  let changed = 0;
  let errors = 0;
  await inChunks(keys, 10, async (key) => {
    try {
      if ((await retryGenerationRequest(deps, { requestKey: key })).requeued) changed += 1;
    } catch (error) {
      if (keys.length === 1) throw error;
      errors += 1;
    }
  });
  return { matched: keys.length, changed, skipped: keys.length - changed - errors, errors };
}

export async function cancelRequests(deps: AdminRequestDeps, input: unknown, by: string): Promise<BulkResult> {
  const keys = await selectTargets(deps.db, input);
  return cancelRequestKeys(deps, keys, by);
}
