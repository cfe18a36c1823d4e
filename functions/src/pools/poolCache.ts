import { LRUCache } from 'lru-cache';
import type { PoolReader, StoredQuestion } from './poolTypes';

export type { PoolReader };

export type PoolCacheOptions = {
  /** How long a pool's id list is trusted (5–30 min): new questions show up within this. */
  idsTtlMs: number;
  /** How long a question is kept (30–180 min); questions never change, their id is their content. */
  questionsTtlMs: number;
  maxPools?: number;
  maxQuestions?: number;
  /** A short pool's count is checked at most this often per instance (default 1 s). */
  shortRecheckMs?: number;
};

export const IDS_TTL_BOUNDS_MS = [5 * 60_000, 30 * 60_000] as const;
export const QUESTIONS_TTL_BOUNDS_MS = [30 * 60_000, 180 * 60_000] as const;

/** Only active questions are dealt; absent means active (pools written before states existed). */
export function isDealable(question: Pick<StoredQuestion, 'state'>): boolean {
  return question.state === undefined || question.state === 'active';
}

// Every cache of this process, so a pool write here invalidates what draws here would serve.
const liveCaches = new Set<PoolCache>();

export function notifyPoolWritten(poolKey: string): void {
  for (const cache of liveCaches) cache.invalidatePool(poolKey);
}

/**
 * Per-instance, read-through cache of pools (seed 000: disposable, never written back).
 * lru-cache's fetch() makes concurrent misses of one key share one read (single-flight).
 * A pool's id list is filled by one query that also fills the question cache, so within the
 * TTLs each question document is read once per instance, however many draws there are.
 */
export class PoolCache {
  private readonly ids: LRUCache<string, readonly string[]>;
  private readonly questions: LRUCache<string, StoredQuestion>;
  /** Bumped on every invalidation: a fill that started before a write must not be kept. */
  private readonly versions = new Map<string, number>();
  /** Questions (any state) each cached pool held when it was read: what a count check compares. */
  private readonly filledCounts = new Map<string, number>();
  /** Short pools: when their count was last checked, and the check in flight. */
  private readonly shortChecks: LRUCache<string, { at: number; flight?: Promise<void> }>;

  constructor(private readonly reader: PoolReader, readonly options: PoolCacheOptions) {
    this.questions = new LRUCache<string, StoredQuestion>({
      max: options.maxQuestions ?? 20_000,
      ttl: options.questionsTtlMs,
      fetchMethod: async (key) => {
        const [poolKey, id] = splitKey(key);
        return this.reader.question(poolKey, id);
      },
    });
    this.shortChecks = new LRUCache({ max: options.maxPools ?? 1_000 });
    this.ids = new LRUCache<string, readonly string[]>({
      max: options.maxPools ?? 1_000,
      ttl: options.idsTtlMs,
      // A fill in flight when the pool is written completes; the version check below drops it.
      ignoreFetchAbort: true,
      fetchMethod: async (poolKey) => {
        const version = this.versions.get(poolKey) ?? 0;
        const pool = await this.reader.wholePool(poolKey);
        for (const question of pool) this.questions.set(questionKey(poolKey, question.id), question);
        this.filledCounts.set(poolKey, pool.length);
        // Flagged and removed questions stay readable (answers to what was dealt) but are never dealt.
        const ids = pool.filter(isDealable).map((question) => question.id);
        // Written while we read: answer this caller, but let the next draw read again.
        if ((this.versions.get(poolKey) ?? 0) !== version) queueMicrotask(() => this.ids.delete(poolKey));
        return ids;
      },
    });
    liveCaches.add(this);
  }

  /**
   * The dealable ids of a pool. When it holds fewer than `wanted` (a short pool being topped up,
   * maybe by another instance) its metadata count is checked, at most once per `shortRecheckMs`
   * per instance and single-flight, and the pool is read again only if the count moved: a short
   * pool costs about one document read a second, not a whole-pool read per draw.
   */
  async poolIds(poolKey: string, wanted?: number): Promise<readonly string[]> {
    const ids = await this.fetchIds(poolKey);
    if (wanted === undefined || ids.length >= wanted || !this.reader.poolCount) return ids;
    await this.recheckShort(poolKey);
    return this.fetchIds(poolKey);
  }

  private async fetchIds(poolKey: string): Promise<readonly string[]> {
    return (await this.ids.fetch(poolKey)) ?? (await this.reader.wholePool(poolKey)).filter(isDealable).map((question) => question.id);
  }

  private recheckShort(poolKey: string): Promise<void> {
    const entry = this.shortChecks.get(poolKey);
    if (entry?.flight) return entry.flight;
    if (entry && Date.now() - entry.at < (this.options.shortRecheckMs ?? 1_000)) return Promise.resolve();
    const flight = (async () => {
      try {
        const count = await this.reader.poolCount!(poolKey);
        if (count !== (this.filledCounts.get(poolKey) ?? 0)) {
          this.invalidatePool(poolKey);
          await this.fetchIds(poolKey);
        }
      } finally {
        this.shortChecks.set(poolKey, { at: Date.now() });
      }
    })();
    this.shortChecks.set(poolKey, { at: entry?.at ?? 0, flight });
    return flight;
  }

  /**
   * Questions the pool holds in any state (flagged and removed included) as last read here, or
   * undefined if it was not read: with the dealable ids, how many stored questions are not dealt.
   */
  storedCount(poolKey: string): number | undefined {
    return this.filledCounts.get(poolKey);
  }

  /** The questions with these ids, in that order; ids that do not exist are left out. */
  async questionsOf(poolKey: string, ids: readonly string[]): Promise<StoredQuestion[]> {
    const found = await Promise.all(ids.map((id) => this.questions.fetch(questionKey(poolKey, id))));
    return found.filter((question): question is StoredQuestion => question !== undefined);
  }

  invalidatePool(poolKey: string): void {
    this.versions.set(poolKey, (this.versions.get(poolKey) ?? 0) + 1);
    this.ids.delete(poolKey);
  }

  /** For tests: forget this cache (it stops receiving invalidations). */
  close(): void {
    liveCaches.delete(this);
    this.ids.clear();
    this.questions.clear();
    this.shortChecks.clear();
  }
}

function questionKey(poolKey: string, id: string): string {
  return `${poolKey}\n${id}`;
}

function splitKey(key: string): [string, string] {
  const at = key.lastIndexOf('\n');
  return [key.slice(0, at), key.slice(at + 1)];
}

export function clampTtl(valueMs: number, [min, max]: readonly [number, number]): number {
  return Math.min(max, Math.max(min, valueMs));
}
