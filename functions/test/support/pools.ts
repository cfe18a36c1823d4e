import { randomUUID } from 'node:crypto';
import type { PoolParamsInput } from '../../src/generation/poolParams';
import { testFirestore } from './stack';

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
