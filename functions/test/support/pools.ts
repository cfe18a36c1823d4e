import { randomUUID } from 'node:crypto';
import type { PoolParamsInput } from '../../src/generation/poolParams';
import { testDb, testFirestore } from './stack';

/** A pool no other test touches: versions run in sequence from a random start, so a file never repeats one. */
let counter = Number.parseInt(randomUUID().slice(0, 6), 16);
export function uniquePool(overrides: Partial<PoolParamsInput> = {}): PoolParamsInput {
  counter += 1;
  const version = 1 + (counter % 1000);
  return { lang: 'en', country: 'GB', level: 'medium', subject: 'geography', theme: 'world', type: 'mcq', version, ...overrides };
}

export type StatusDoc = { status: string; generated?: number; poolSize?: number; error?: string | null };

/** The uids recorded as requesters of a request (one document each under its status). */
export async function statusRequesters(requestKey: string): Promise<string[]> {
  const snapshot = await testFirestore().collection('generation_status').doc(requestKey).collection('requesters').get();
  return snapshot.docs.map((d) => d.id);
}

/** Resolves when generation_status/{requestKey} reaches one of `wanted`, via a listener. */
export function waitForStatus(requestKey: string, wanted: string[] = ['done', 'failed'], timeoutMs = 60_000): Promise<StatusDoc & { seen: string[] }> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`status of ${requestKey} stuck at ${seen.join(' → ') || 'nothing'}; wanted ${wanted.join('|')}`));
    }, timeoutMs);
    const unsubscribe = testFirestore()
      .collection('generation_status')
      .doc(requestKey)
      .onSnapshot((snapshot) => {
        const data = snapshot.data() as StatusDoc | undefined;
        if (!data?.status) return;
        if (seen.at(-1) !== data.status) seen.push(data.status);
        if (wanted.includes(data.status)) {
          clearTimeout(timer);
          unsubscribe();
          resolve({ ...data, seen });
        }
      }, reject);
  });
}

export async function poolItemSnapshots(poolKey: string) {
  return (await testFirestore().collection('question_pools').doc(poolKey).collection('items').get()).docs;
}

/** The attempt's row is recorded just after its final status is mirrored: wait for it too. */
export async function waitForAttemptRows(requestKey: string, count = 1, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await testDb().query<{ n: number }>('SELECT count(*)::int AS n FROM generation_attempts WHERE request_key = $1', [requestKey]);
    if (rows[0]!.n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no attempt row for ${requestKey} after ${timeoutMs} ms`);
}
