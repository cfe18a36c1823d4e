import { createHash } from 'node:crypto';
import { FieldValue, type DocumentSnapshot, type Firestore, type Timestamp, type Transaction } from 'firebase-admin/firestore';
import { z } from 'zod';
import { FailedPreconditionError, InvalidInputError, NotFoundError } from '../shared/errors';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import { notifyPoolWritten } from '../pools/poolCache';
import { poolItems, POOLS, readPoolForScreening, type PoolItem } from '../pools/poolStore';
import { rejectionOfEdit } from '../pools/qualityGate';
import { questionIdOf, questionSchema, type Question } from '../questions/question';
import { VERDICT_REASONS } from '../questions/openai/verifier';
import { QUESTION_STATS, STAT_SHARDS, STATS_ACTOR, readQuestionStats, statId } from '../games/questionStats';
import { deleteHeldReview, getHeldReview, insertHeldReview, type HeldReviewAction } from './queries/heldQuestionReviews';
import { getHeldQuestion, listHeldQuestions } from './queries/listHeldQuestions';

// The review queue (issue 17 §3): questions the verifier held with their requests (Postgres,
// `result.held`) and pool questions flagged by the answer statistics or an admin (Firestore, state
// "flagged"), in one list; keep, fix the key, edit or remove each. Every action names the version the
// admin read: a question changed since is refused, and the same call repeated returns what it did.

/** Why a question is in the queue: a verifier's verdict (held), the statistics, or an admin's flag. */
export const REVIEW_REASONS = [...VERDICT_REASONS, 'statistics', 'admin-flag'] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];

const poolKey = z.string().min(3).max(400).regex(/^[^/]+$/, 'is not a pool key');
const questionId = z.string().min(1).max(200).regex(/^[^/]+$/, 'is not a question id');
const requestKey = z.string().regex(/^[0-9a-f]{64}$/, 'is not a request key');

export const reviewItemSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('held'), requestKey, questionId }),
  z.strictObject({ kind: z.literal('flagged'), poolKey, questionId }),
]);
export type ReviewItemRef = z.output<typeof reviewItemSchema>;

const base = { item: reviewItemSchema, version: z.string().min(1).max(100) };
export const reviewKeepSchema = z.strictObject(base);
export const reviewFixKeySchema = z.strictObject({ ...base, answerIndex: z.int().min(0).max(5) });
export const reviewEditSchema = z.strictObject({
  ...base,
  prompt: questionSchema.shape.prompt,
  choices: questionSchema.shape.choices,
  answerIndex: z.int().min(0).max(5),
  explanation: questionSchema.shape.explanation.optional(),
});
export const reviewRemoveSchema = z.strictObject({ ...base, reason: z.string().trim().max(500).optional() });

const listSchema = z.strictObject({
  reason: z.enum(REVIEW_REASONS).optional(),
  poolKey: poolKey.optional(),
  after: z.string().max(1000).optional(),
  limit: z.int().min(1).max(100).default(25),
});

type Cursor = { p: 'held'; r: string; q: string } | { p: 'flagged'; path: string };
const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');
function decodeCursor(raw: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if ((cursor.p === 'held' && typeof cursor.r === 'string' && typeof cursor.q === 'string') || (cursor.p === 'flagged' && typeof cursor.path === 'string')) return cursor;
  } catch {
    // fall through
  }
  throw new InvalidInputError('after: is not a cursor from this list');
}

export type ReviewStats = { answered: number; correct: number; correctRate: number | null; meanTimeMs: number | null; choices: Record<string, number> };

export type ReviewEntry = {
  item: ReviewItemRef;
  /** Pass it back with an action: refused if the question changed since. */
  version: string;
  poolKey: string;
  reason: ReviewReason;
  /** The verdict or the statistics' sentence. */
  detail: string | null;
  since: string | null;
  question: Pick<Question, 'prompt' | 'choices' | 'answerIndex' | 'explanation' | 'difficulty' | 'source' | 'model'>;
  /** The verifier's blind answers (indexes into `choices`) and verdict; null for unverified questions. */
  verifier: { verdict: string; answers: number[]; model: string } | null;
  stats: ReviewStats | null;
};

/** A held question is decided once: until then its version is this. */
const HELD_VERSION = 'held';

function versionOf(updateTime: Timestamp | undefined): string {
  if (!updateTime) return 'absent';
  return `${updateTime.seconds}.${String(updateTime.nanoseconds).padStart(9, '0')}`;
}

function questionOf(data: Record<string, unknown>): ReviewEntry['question'] {
  return {
    prompt: data.prompt as string, choices: data.choices as string[], answerIndex: data.answerIndex as number, explanation: (data.explanation as string | undefined) ?? '',
    difficulty: data.difficulty as Question['difficulty'], source: data.source as Question['source'], model: data.model as string,
  };
}

function verifierOf(data: Record<string, unknown>): ReviewEntry['verifier'] {
  const v = data.verification as { verdict?: string; answers?: number[]; model?: string } | undefined;
  return v?.verdict ? { verdict: v.verdict, answers: v.answers ?? [], model: v.model ?? '' } : null;
}

async function statsOf(firestore: Firestore, pool: string, id: string): Promise<ReviewStats | null> {
  const s = await readQuestionStats(firestore, pool, id);
  if (s.dealt === 0 && s.answered === 0) return null;
  return { answered: s.answered, correct: s.correct, correctRate: s.correctRate, meanTimeMs: s.meanTimeMs === null ? null : Math.round(s.meanTimeMs), choices: s.choices };
}

/** The queue, held questions first, then flagged ones; filtered by reason and pool, paged by an opaque cursor. */
export async function listReviewQueue(deps: { db: Queryable; firestore: Firestore }, input: unknown): Promise<{ entries: ReviewEntry[]; next?: string }> {
  const filter = parseInput(listSchema, input ?? {});
  const cursor = filter.after ? decodeCursor(filter.after) : undefined;
  const wantsHeld = !filter.reason || (VERDICT_REASONS as readonly string[]).includes(filter.reason);
  const wantsFlagged = !filter.reason || filter.reason === 'statistics' || filter.reason === 'admin-flag';
  const entries: ReviewEntry[] = [];
  let next: Cursor | undefined;

  if (wantsHeld && cursor?.p !== 'flagged') {
    const rows = await listHeldQuestions(deps.db, {
      poolKey: filter.poolKey, verdict: filter.reason, limit: filter.limit + 1,
      after: cursor?.p === 'held' ? { requestKey: cursor.r, questionId: cursor.q } : undefined,
    });
    const page = rows.slice(0, filter.limit);
    for (const row of page) {
      const verifier = verifierOf(row.item);
      entries.push({
        item: { kind: 'held', requestKey: row.requestKey, questionId: String(row.item.id) }, version: HELD_VERSION, poolKey: row.poolKey,
        reason: (verifier?.verdict ?? 'unverifiable') as ReviewReason, detail: null, since: row.heldAt,
        question: questionOf(row.item), verifier, stats: null,
      });
    }
    const last = page[page.length - 1];
    if (rows.length > filter.limit && last) next = { p: 'held', r: last.requestKey, q: String(last.item.id) };
  }

  const room = filter.limit - entries.length;
  if (wantsFlagged && !next && room > 0) {
    const base = filter.poolKey
      ? poolItems(deps.firestore, filter.poolKey).where('state', '==', 'flagged')
      : deps.firestore.collectionGroup('items').where('state', '==', 'flagged');
    let query = (filter.reason === 'statistics' ? base.where('stateBy', '==', STATS_ACTOR) : base).orderBy('__name__');
    if (cursor?.p === 'flagged') query = query.startAfter(filter.poolKey ? cursor.path.split('/').pop()! : deps.firestore.doc(cursor.path));
    // An admin's flags are the flagged questions not flagged by the statistics: filtered here.
    const snapshot = await query.limit(filter.reason === 'admin-flag' ? 500 : room + 1).get();
    const docs = filter.reason === 'admin-flag' ? snapshot.docs.filter((doc) => doc.get('stateBy') !== STATS_ACTOR) : snapshot.docs;
    const page = docs.slice(0, room);
    const stats = await Promise.all(page.map((doc) => statsOf(deps.firestore, doc.ref.parent.parent!.id, doc.id)));
    page.forEach((doc, i) => {
      const data = doc.data() as Record<string, unknown>;
      const byStats = data.stateBy === STATS_ACTOR;
      entries.push({
        item: { kind: 'flagged', poolKey: doc.ref.parent.parent!.id, questionId: doc.id }, version: versionOf(doc.updateTime), poolKey: doc.ref.parent.parent!.id,
        reason: byStats ? 'statistics' : 'admin-flag', detail: (data.stateReason as string | null | undefined) ?? null, since: (data.stateAt as string | undefined) ?? null,
        question: questionOf(data), verifier: verifierOf(data), stats: stats[i] ?? null,
      });
    });
    const more = docs.length > room || (filter.reason === 'admin-flag' && snapshot.size === 500);
    if (more && page.length > 0) next = { p: 'flagged', path: page[page.length - 1]!.ref.path };
  }
  return { entries, ...(next ? { next: encodeCursor(next) } : {}) };
}

// ---- actions ----

type Change =
  | { action: 'keep' }
  | { action: 'fix-key'; answerIndex: number }
  | { action: 'edit'; prompt: string; choices: string[]; answerIndex: number; explanation?: string }
  | { action: 'remove'; reason?: string };

export type ReviewOutcome = {
  action: HeldReviewAction;
  kind: 'held' | 'flagged';
  poolKey: string;
  questionId: string;
  /** The pool question the action left dealt (keep, fix-key, edit); null when removed. */
  storedId: string | null;
  /** The question's version after the action (flagged questions), for a following read. */
  version: string | null;
  /** True when this call repeated an action already done: nothing changed. */
  repeated: boolean;
  /** Answer statistics judged against the old key or text, deleted (fix-key, edit of a dealt question). */
  statsReset: boolean;
};

type ReviewRecord = { action: HeldReviewAction; hash: string; from: string; by: string; at: string; storedId: string | null; statsReset: boolean };

const hashOf = (item: ReviewItemRef, change: Change) => createHash('sha256').update(JSON.stringify({ item, change })).digest('hex').slice(0, 32);

export function reviewKeep(deps: ReviewDeps, input: unknown, by: string) {
  const { item, version } = parseInput(reviewKeepSchema, input);
  return applyReview(deps, item, version, { action: 'keep' }, by);
}

export function reviewFixKey(deps: ReviewDeps, input: unknown, by: string) {
  const { item, version, answerIndex } = parseInput(reviewFixKeySchema, input);
  return applyReview(deps, item, version, { action: 'fix-key', answerIndex }, by);
}

export function reviewEdit(deps: ReviewDeps, input: unknown, by: string) {
  const { item, version, ...edit } = parseInput(reviewEditSchema, input);
  return applyReview(deps, item, version, { action: 'edit', ...edit }, by);
}

export function reviewRemove(deps: ReviewDeps, input: unknown, by: string) {
  const { item, version, reason } = parseInput(reviewRemoveSchema, input);
  return applyReview(deps, item, version, { action: 'remove', reason }, by);
}

export type ReviewDeps = { db: Queryable; firestore: Firestore };

/** The question after the change, not yet judged. */
function changed(current: Question, change: Change): Question {
  if (change.action === 'fix-key') return { ...current, answerIndex: change.answerIndex };
  if (change.action === 'edit') return { ...current, prompt: change.prompt, choices: change.choices, answerIndex: change.answerIndex, explanation: change.explanation ?? current.explanation };
  return current;
}

/** The question after the change, checked like a generated one (edit) or for its key's range (fix-key). */
async function checkedChange(deps: ReviewDeps, pool: string, params: Record<string, unknown> | undefined, current: Question, ownIds: string[], change: Change): Promise<Question> {
  if (change.action === 'fix-key') {
    if (change.answerIndex >= current.choices.length) throw new InvalidInputError(`answerIndex: the question has ${current.choices.length} choices`);
    if (change.answerIndex === current.answerIndex) throw new InvalidInputError('answerIndex: is already the key (keep the question instead)');
  }
  const next = changed(current, change);
  if (change.action !== 'edit') return next;
  const lang = typeof params?.lang === 'string' ? params.lang : 'en';
  const type = params?.type === 'true_false' ? 'true_false' : 'mcq';
  const reason = rejectionOfEdit({ lang, type, question: next, pool: await readPoolForScreening(deps.firestore, pool), ownIds });
  if (reason) throw new InvalidInputError(`the edited question is refused by the quality gate: ${reason}`, { reason });
  return questionSchema.parse(next);
}

function resetStats(firestore: Firestore, transaction: Transaction, pool: string, id: string): void {
  const parent = firestore.collection(QUESTION_STATS).doc(statId(pool, id));
  for (let shard = 0; shard < STAT_SHARDS; shard++) transaction.delete(parent.collection('shards').doc(String(shard)));
  transaction.delete(parent);
}

async function applyReview(deps: ReviewDeps, item: ReviewItemRef, version: string, change: Change, by: string): Promise<ReviewOutcome> {
  return item.kind === 'held' ? applyHeld(deps, item, version, change, by) : applyFlagged(deps, item, version, change, by);
}

const stale = (what: string) => new FailedPreconditionError(`${what} changed since it was read: reload the review queue.`);

async function applyFlagged(deps: ReviewDeps, item: Extract<ReviewItemRef, { kind: 'flagged' }>, version: string, change: Change, by: string): Promise<ReviewOutcome> {
  const hash = hashOf(item, change);
  const ref = poolItems(deps.firestore, item.poolKey).doc(item.questionId);
  const first = await ref.get();
  if (!first.exists) throw new NotFoundError(`No question ${item.questionId} in pool ${item.poolKey}.`);
  const repeat = (snapshot: DocumentSnapshot): ReviewOutcome | undefined => {
    const record = snapshot.get('review') as ReviewRecord | undefined;
    if (record?.hash !== hash || record.from !== version) return undefined;
    return { action: record.action, kind: 'flagged', poolKey: item.poolKey, questionId: item.questionId, storedId: record.storedId, version: versionOf(snapshot.updateTime), repeated: true, statsReset: record.statsReset };
  };
  const early = repeat(first);
  if (early) return early;
  if (versionOf(first.updateTime) !== version) throw stale(`Question ${item.questionId}`);
  const params = (await deps.firestore.collection(POOLS).doc(item.poolKey).get()).get('params') as Record<string, unknown> | undefined;
  const current = questionSchema.parse(questionOf(first.data() as Record<string, unknown>));
  const next = await checkedChange(deps, item.poolKey, params, current, [item.questionId], change);
  const newId = change.action === 'edit' ? questionIdOf(next.prompt) : item.questionId;
  const at = new Date().toISOString();

  const outcome = await deps.firestore.runTransaction(async (transaction) => {
    const snapshot = await transaction.get(ref);
    if (!snapshot.exists) throw new NotFoundError(`No question ${item.questionId} in pool ${item.poolKey}.`);
    const again = repeat(snapshot);
    if (again) return again;
    if (versionOf(snapshot.updateTime) !== version) throw stale(`Question ${item.questionId}`);
    if (snapshot.get('state') !== 'flagged') throw new FailedPreconditionError(`Question ${item.questionId} is not flagged: it is not in the review queue.`);
    const moved = newId !== item.questionId;
    if (moved && (await transaction.get(poolItems(deps.firestore, item.poolKey).doc(newId))).exists) {
      throw new FailedPreconditionError(`The pool already holds a question with this prompt (${newId}).`);
    }
    const statsReset = change.action === 'fix-key' || (change.action === 'edit' && !moved);
    const record: ReviewRecord = { action: change.action, hash, from: version, by, at, storedId: change.action === 'remove' ? null : newId, statsReset };
    if (change.action === 'keep') {
      // Vouched for by an admin: the statistics never flag it again (games/questionStats.ts).
      transaction.update(ref, { state: 'active', stateReason: 'kept after review', stateBy: by, stateAt: at, review: record });
    } else if (change.action === 'remove') {
      transaction.update(ref, { state: 'removed', stateReason: change.reason ?? 'removed after review', stateBy: by, stateAt: at, review: record });
    } else if (!moved) {
      // A new key or text: dealt again, and judged afresh by the statistics (stateBy cleared),
      // which restart from nothing (the answers counted were judged against the old question).
      transaction.update(ref, {
        prompt: next.prompt, choices: next.choices, answerIndex: next.answerIndex, explanation: next.explanation,
        state: 'active', stateReason: change.action === 'fix-key' ? `key fixed after review (was ${current.answerIndex})` : 'edited after review',
        stateBy: FieldValue.delete(), stateAt: at, review: record, ...(change.action === 'fix-key' ? { keyFixedFrom: current.answerIndex } : {}),
      });
      resetStats(deps.firestore, transaction, item.poolKey, item.questionId);
    } else {
      // A new prompt is a new question (ids come from prompts): written under its id, the old one
      // removed with its statistics, which belong to the old text.
      const data = snapshot.data() as PoolItem;
      const created: Record<string, unknown> = {
        prompt: next.prompt, choices: next.choices, answerIndex: next.answerIndex, explanation: next.explanation, difficulty: next.difficulty, source: next.source, model: next.model,
        requestKey: data.requestKey, createdAt: at, editedFrom: item.questionId, review: { ...record, from: 'new' },
      };
      transaction.create(poolItems(deps.firestore, item.poolKey).doc(newId), created);
      transaction.update(ref, { state: 'removed', stateReason: `edited after review as ${newId}`, stateBy: by, stateAt: at, review: record });
      transaction.set(deps.firestore.collection(POOLS).doc(item.poolKey), { count: FieldValue.increment(1), updatedAt: FieldValue.serverTimestamp() }, { merge: true });
    }
    return { action: change.action, kind: 'flagged' as const, poolKey: item.poolKey, questionId: item.questionId, storedId: record.storedId, version: null, repeated: false, statsReset };
  });
  notifyPoolWritten(item.poolKey);
  if (!outcome.repeated) outcome.version = versionOf((await ref.get()).updateTime);
  return outcome;
}

async function applyHeld(deps: ReviewDeps, item: Extract<ReviewItemRef, { kind: 'held' }>, version: string, change: Change, by: string): Promise<ReviewOutcome> {
  const hash = hashOf(item, change);
  const held = await getHeldQuestion(deps.db, item.requestKey, item.questionId);
  if (!held) throw new NotFoundError(`No held question ${item.questionId} in request ${item.requestKey}.`);
  const outcomeOf = (storedId: string | null, repeated: boolean): ReviewOutcome => ({ action: change.action, kind: 'held', poolKey: held.poolKey, questionId: item.questionId, storedId, version: null, repeated, statsReset: false });
  const { verification, ...rest } = held.item as Record<string, unknown> & { verification?: unknown };
  const current = questionSchema.parse(questionOf(rest));
  /** The pool question a keep, fix or edit writes; the same for the same decision. */
  const poolItem = (next: Question): Record<string, unknown> => {
    const at = new Date().toISOString();
    const record: ReviewRecord = { action: change.action, hash, from: HELD_VERSION, by, at, storedId: questionIdOf(next.prompt), statsReset: false };
    return {
      ...next, verification: verification ?? null, requestKey: item.requestKey, createdAt: at, review: record,
      // Kept as the model wrote it: vouched for by the admin (never flagged by the statistics).
      // Fixed or edited: a new question the statistics judge like any other.
      ...(change.action === 'keep' ? { state: 'active', stateReason: 'kept after review', stateBy: by, stateAt: at } : {}),
      ...(change.action === 'fix-key' ? { keyFixedFrom: current.answerIndex } : {}),
    };
  };

  const decided = await getHeldReview(deps.db, item.requestKey, item.questionId);
  if (decided) {
    if (decided.inputHash !== hash || version !== HELD_VERSION) throw stale(`Held question ${item.questionId}`);
    // The same call again: finish the pool write if the first one stopped before it (idempotent).
    if (decided.storedId) await writeHeld(deps, held.poolKey, decided.storedId, hash, poolItem(changed(current, change)));
    return outcomeOf(decided.storedId, true);
  }
  if (version !== HELD_VERSION) throw stale(`Held question ${item.questionId}`);
  const next = await checkedChange(deps, held.poolKey, held.params, current, [], change);
  const storedId = change.action === 'remove' ? null : questionIdOf(next.prompt);
  if (storedId && (await poolItems(deps.firestore, held.poolKey).doc(storedId).get()).exists) {
    throw new FailedPreconditionError(`The pool already holds a question with this prompt (${storedId}).`);
  }
  if (!(await insertHeldReview(deps.db, { requestKey: item.requestKey, questionId: item.questionId, poolKey: held.poolKey, action: change.action, inputHash: hash, storedId, decidedBy: by }))) {
    // Another admin (or this call, repeated) decided meanwhile: judged as above.
    return applyHeld(deps, item, version, change, by);
  }
  if (storedId) {
    try {
      await writeHeld(deps, held.poolKey, storedId, hash, poolItem(next));
    } catch (error) {
      if (error instanceof FailedPreconditionError) await deleteHeldReview(deps.db, item.requestKey, item.questionId, hash);
      throw error;
    }
  }
  return outcomeOf(storedId, false);
}

/** Creates the pool question a held decision wrote, unless this decision already did. */
async function writeHeld(deps: ReviewDeps, pool: string, id: string, hash: string, data: Record<string, unknown>): Promise<void> {
  const ref = poolItems(deps.firestore, pool).doc(id);
  const wrote = await deps.firestore.runTransaction(async (transaction) => {
    const snapshot = await transaction.get(ref);
    if (snapshot.exists) {
      if ((snapshot.get('review') as ReviewRecord | undefined)?.hash === hash) return false;
      throw new FailedPreconditionError(`The pool already holds a question with this prompt (${id}).`);
    }
    transaction.create(ref, data);
    transaction.set(deps.firestore.collection(POOLS).doc(pool), { count: FieldValue.increment(1), updatedAt: FieldValue.serverTimestamp() }, { merge: true });
    return true;
  });
  if (wrote) notifyPoolWritten(pool);
}
