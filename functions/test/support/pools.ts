import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { PoolParamsInput } from '../../src/questions/poolParams';
import { testDb, testFirestore } from './stack';

// Markets (the pool's country) the generators ignore: they only widen the space of pool keys.
const MARKETS = ['GB', 'US', 'IE', 'AU', 'NZ', 'CA', 'ZA', 'IN', 'SG', 'MT'];

/**
 * The next number of a counter shared by every test file of this run (a file in the stack's temp
 * folder, named by globalSetup; files run one after another). A per-file random start let two files
 * meet on one of the 1,000 versions now and then, and a test expecting new work found it done.
 */
function nextPoolNumber(): number {
  const file = process.env.QF_UNIQUE_POOL_FILE;
  if (!file) return Number.parseInt(randomUUID().slice(0, 6), 16);
  const next = (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 0) + 1;
  fs.writeFileSync(file, String(next));
  return next;
}

/** A pool no other test of this run touches (unless it passes overrides that pin the rest). */
export function uniquePool(overrides: Partial<PoolParamsInput> = {}): PoolParamsInput {
  const n = nextPoolNumber();
  const version = 1 + (n % 1000);
  const country = MARKETS[Math.floor(n / 1000) % MARKETS.length]!;
  return { lang: 'en', country, level: 'medium', subject: 'geography', theme: 'world', type: 'mcq', version, ...overrides };
}

export type StatusDoc = { status: string; generated?: number; poolSize?: number; error?: string | null; errorCode?: string | null };

/** The uids recorded as requesters of a request (one document each under its status). */
export async function statusRequesters(requestKey: string): Promise<string[]> {
  const snapshot = await testFirestore().collection('generation_status').doc(requestKey).collection('requesters').get();
  return snapshot.docs.map((d) => d.id);
}

const FINAL = new Set(['done', 'failed', 'cancelled']);

/**
 * Resolves when generation_status/{requestKey} reaches one of `wanted`, via a listener; rejects at
 * once on a final status not wanted. No default: a caller expecting "done" says so.
 */
export function waitForStatus(requestKey: string, wanted: string[], timeoutMs = 60_000): Promise<StatusDoc & { seen: string[] }> {
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
        } else if (FINAL.has(data.status)) {
          clearTimeout(timer);
          unsubscribe();
          reject(new Error(`status of ${requestKey} ended ${data.status} (${data.error ?? 'no error'}); wanted ${wanted.join('|')}`));
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
