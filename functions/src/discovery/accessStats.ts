import type { Queryable } from '../shared/postgres';
import { recordDiscoveryAccess, type DiscoveryAccess } from './queries/recordDiscoveryAccess';

/**
 * Hits and misses counted in memory and written in one batched UPDATE at most every
 * `flushIntervalMs` per instance: a hit never costs a write. Counts held by an instance that dies
 * before flushing are lost; the statistics are approximate by design.
 */
export class AccessStats {
  private pending = new Map<string, DiscoveryAccess>();
  private lastFlush = Date.now();
  private flushing: Promise<number> | undefined;

  constructor(private readonly flushIntervalMs: number) {}

  record(cacheKey: string, outcome: 'hit' | 'miss'): void {
    let entry = this.pending.get(cacheKey);
    if (!entry) {
      entry = { cacheKey, hits: 0, misses: 0, lastAccessed: new Date() };
      this.pending.set(cacheKey, entry);
    }
    if (outcome === 'hit') entry.hits += 1;
    else entry.misses += 1;
    entry.lastAccessed = new Date();
  }

  due(): boolean {
    return this.pending.size > 0 && Date.now() - this.lastFlush >= this.flushIntervalMs && !this.flushing;
  }

  async flush(db: Queryable): Promise<number> {
    if (this.flushing) return this.flushing;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.lastFlush = Date.now();
    this.flushing = recordDiscoveryAccess(db, batch)
      .catch((error: unknown) => {
        // Keep the counts for the next flush rather than lose them to a blip.
        for (const access of batch) {
          const current = this.pending.get(access.cacheKey);
          if (current) {
            current.hits += access.hits;
            current.misses += access.misses;
          } else this.pending.set(access.cacheKey, access);
        }
        throw error;
      })
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }
}
