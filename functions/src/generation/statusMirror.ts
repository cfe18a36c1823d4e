import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import type { PublicErrorCode } from './publicErrors';
import type { GenerationStatus } from './queries/types';

// generation_status/{requestKey}: what clients listen to. Postgres stays the truth; this mirror
// may lag but never runs backwards, because only the generator writes `status` after creation.
export const GENERATION_STATUS = 'generation_status';

/** Who may read a status: one small document per requester, never a list on the status itself. */
export const REQUESTERS = 'requesters';

/**
 * Records `uid` as a requester of the request, and creates its status document if the caller
 * created the work. A requester is its own document (`generation_status/{key}/requesters/{uid}`):
 * joining writes nothing to the status document, which stays the same size however many players
 * ask, and joins never contend on one document. The rules check the requester document with
 * exists(). Both writes go in one batch, so a listener attached before the status existed sees the
 * status appear together with its permission to read it.
 *
 * The creator enqueues at the same time as this write, so the generator's first status write may
 * land first: "pending" is therefore a create, never an overwrite, and if the status is already
 * there the requester document goes with the fields the generator does not write.
 */
export async function mirrorRequester(
  db: Firestore,
  input: { requestKey: string; poolKey: string; targetCount: number; uid: string; created: boolean },
): Promise<void> {
  const doc = db.collection(GENERATION_STATUS).doc(input.requestKey);
  const requester = doc.collection(REQUESTERS).doc(input.uid);
  const identity = { requestKey: input.requestKey, poolKey: input.poolKey, target: input.targetCount, createdAt: FieldValue.serverTimestamp() };
  const batch = db.batch();
  batch.set(requester, { at: FieldValue.serverTimestamp() });
  if (input.created) {
    batch.create(doc, { ...identity, status: 'pending' satisfies GenerationStatus, generated: 0, updatedAt: FieldValue.serverTimestamp() });
  }
  try {
    await batch.commit();
  } catch (error) {
    if (!input.created || (error as { code?: number }).code !== 6) throw error; // 6 = ALREADY_EXISTS
    await db.batch().set(requester, { at: FieldValue.serverTimestamp() }).set(doc, identity, { merge: true }).commit();
  }
}

/**
 * The repair of a requester whose first write never confirmed (Firestore failed, or the process
 * died, after the Postgres commit). The status document may be missing too: it is created from
 * the Postgres status only if absent, in a transaction, so a generator write is never overwritten.
 */
export async function repairRequester(
  db: Firestore,
  input: { requestKey: string; poolKey: string; targetCount: number; uid: string; status: GenerationStatus },
): Promise<void> {
  const doc = db.collection(GENERATION_STATUS).doc(input.requestKey);
  await db.runTransaction(async (tx) => {
    const current = await tx.get(doc);
    if (!current.exists) {
      tx.set(doc, {
        requestKey: input.requestKey, poolKey: input.poolKey, target: input.targetCount, status: input.status, generated: 0,
        createdAt: FieldValue.serverTimestamp(), updatedAt: FieldValue.serverTimestamp(),
      });
    }
    tx.set(doc.collection(REQUESTERS).doc(input.uid), { at: FieldValue.serverTimestamp() });
  });
}

/** `error` is a fixed client-safe sentence and `errorCode` its stable code (publicErrors.ts), never raw error text. */
export type StatusUpdate = {
  status: GenerationStatus; generated?: number; poolSize?: number; error?: string | null; errorCode?: PublicErrorCode | null; attempt?: number;
  /** The pool's target: it rises when a request for more raises the pool's work. */
  target?: number;
};

/** Clients are told "about once a second"; Firestore sustains about one write a second per document. */
export const STATUS_MIN_INTERVAL_MS = 1_000;

type Throttle = { lastWriteAt: number; pending?: Partial<StatusUpdate>; flush?: Promise<void> };
const throttles = new Map<string, Throttle>();
const TERMINAL: ReadonlySet<GenerationStatus> = new Set(['done', 'failed', 'cancelled']);

/**
 * Writes the mirror at most once per STATUS_MIN_INTERVAL_MS per request: an update arriving sooner
 * waits for the interval, merged with any update that arrived meanwhile (the latest wins field by
 * field). The caller's promise resolves when its update is written, so "done" is never lost.
 */
export async function mirrorStatus(db: Firestore, requestKey: string, update: StatusUpdate): Promise<void> {
  const throttle = throttles.get(requestKey) ?? { lastWriteAt: 0 };
  throttles.set(requestKey, throttle);
  throttle.pending = { ...throttle.pending, ...update };
  // Writes of one request are serialized: each waits for the previous one and for the interval.
  while (throttle.pending) {
    throttle.flush ??= flushStatus(db, requestKey, throttle);
    await throttle.flush;
  }
}

async function flushStatus(db: Firestore, requestKey: string, throttle: Throttle): Promise<void> {
  try {
    const wait = throttle.lastWriteAt + STATUS_MIN_INTERVAL_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const pending = throttle.pending ?? {};
    throttle.pending = undefined;
    await db.collection(GENERATION_STATUS).doc(requestKey).set({ ...pending, updatedAt: FieldValue.serverTimestamp() }, { merge: true });
    if (pending.status && TERMINAL.has(pending.status)) {
      // Kept one interval longer so a replayed delivery is still spaced, then forgotten.
      setTimeout(() => { if (!throttle.pending && !throttle.flush) throttles.delete(requestKey); }, STATUS_MIN_INTERVAL_MS).unref();
    }
  } finally {
    throttle.lastWriteAt = Date.now();
    throttle.flush = undefined;
  }
}

/**
 * A raised target on work in flight. Only the target: the run owns `status`. Two raisers racing
 * may land out of order; the run's final write carries the target it completed.
 */
export async function mirrorTarget(db: Firestore, requestKey: string, target: number): Promise<void> {
  await db.collection(GENERATION_STATUS).doc(requestKey).set({ target, updatedAt: FieldValue.serverTimestamp() }, { merge: true });
}

/** Progress without waiting: merged into the next write, never more than one a second. */
export function reportProgress(db: Firestore, requestKey: string, update: StatusUpdate): void {
  void mirrorStatus(db, requestKey, update).catch(() => undefined);
}
