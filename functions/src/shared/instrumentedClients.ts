import type { Firestore } from 'firebase-admin/firestore';
import { Client } from 'pg';
import { startOperation } from './roundTrips';

// The dependency clients as round-trip counters (shared/roundTrips.ts). Installed only where the
// test-only TEST_INSTRUMENTATION param is on (config/params.ts): production runs the plain clients.

function statementName(config: unknown): string {
  if (typeof config === 'string') return config.trim().split(/\s+/, 3).join(' ').slice(0, 60);
  const named = config as { name?: string; text?: string } | null;
  if (named?.name) return named.name;
  return typeof named?.text === 'string' ? statementName(named.text) : 'query';
}

/** A pg Client whose every statement (BEGIN and COMMIT included) is one Postgres round trip. */
export class RoundTripCountingClient extends Client {
  // pg's overloads (promise, callback, submittable) all pass through here.
  override query(...args: unknown[]): never {
    const finish = startOperation('postgres', statementName(args[0]));
    const run = (super.query as (...a: unknown[]) => unknown).bind(this);
    if (!finish) return run(...args) as never;
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        finish();
        (last as (e: unknown, r: unknown) => void)(error, result);
      };
      return run(...args) as never;
    }
    const submitted = args[0] as { submit?: unknown; once?: (event: string, listener: () => void) => void } | null;
    if (typeof submitted?.submit === 'function' && typeof submitted.once === 'function') {
      submitted.once('end', finish);
      submitted.once('error', finish);
      return run(...args) as never;
    }
    const pending = run(...args) as Promise<unknown>;
    return pending.then(
      (result) => { finish(); return result; },
      (error: unknown) => { finish(); throw error; },
    ) as never;
  }
}

type FirestoreInternals = {
  request(methodName: string, request: unknown, requestTag: string, retryCodes?: number[]): Promise<unknown>;
  requestStream(methodName: string, bidirectional: boolean, request: unknown, requestTag: string): Promise<NodeJS.ReadableStream>;
};

function firestoreOperation(methodName: string, request: unknown): string {
  const body = request as { writes?: unknown[]; documents?: unknown[]; transaction?: unknown; newTransaction?: unknown } | null;
  const inTransaction = body?.transaction || body?.newTransaction ? ' in transaction' : '';
  if (Array.isArray(body?.writes)) return `${methodName} (${body.writes.length} writes)${inTransaction}`;
  if (Array.isArray(body?.documents)) return `${methodName} (${body.documents.length} docs)${inTransaction}`;
  return `${methodName}${inTransaction}`;
}

/**
 * Counts each Firestore RPC (commit, batchGetDocuments, runQuery, rollback, …) as one round trip.
 * The SDK funnels every RPC through two internal methods; they are wrapped on this instance only,
 * and a missing one fails loudly rather than counting nothing.
 */
export function countFirestoreRoundTrips(firestore: Firestore): void {
  const internals = firestore as unknown as FirestoreInternals;
  if (typeof internals.request !== 'function' || typeof internals.requestStream !== 'function') {
    throw new Error('Firestore client internals changed: round trips cannot be counted');
  }
  const request = internals.request.bind(firestore);
  const requestStream = internals.requestStream.bind(firestore);
  internals.request = async (methodName, body, requestTag, retryCodes) => {
    const finish = startOperation('firestore', firestoreOperation(methodName, body));
    try {
      return await request(methodName, body, requestTag, retryCodes);
    } finally {
      finish?.();
    }
  };
  internals.requestStream = async (methodName, bidirectional, body, requestTag) => {
    // A listener is not a round trip of the call that opened it.
    const finish = methodName === 'listen' ? undefined : startOperation('firestore', firestoreOperation(methodName, body));
    try {
      const stream = await requestStream(methodName, bidirectional, body, requestTag);
      if (finish) {
        let finished = false;
        const once = () => { if (!finished) { finished = true; finish(); } };
        stream.once('end', once);
        stream.once('error', once);
        stream.once('close', once);
      }
      return stream;
    } catch (error) {
      finish?.();
      throw error;
    }
  };
}
