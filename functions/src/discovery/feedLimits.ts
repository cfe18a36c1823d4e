import { InvalidInputError } from '../shared/errors';
import type { DiscoveryReply } from './service';

// The public GET feed (discoveryFeed) sits behind Hosting's CDN, whose cache key is the whole URL:
// an extra query parameter made a new key and a trip to Postgres. Unknown or repeated parameters
// are refused before any work, each client address has a token bucket held in the instance (a
// bucket in Postgres would cost the very round trip it is meant to save), and fresh replies say
// `s-maxage` so the CDN keeps them.

export const FEED_QUERY_KEYS = ['provider', 'endpoint', 'category', 'period'] as const;
type FeedQuery = Partial<Record<(typeof FEED_QUERY_KEYS)[number], string>>;

/** The feed's own parameters, each at most once; anything else is an invalid-argument. */
export function parseFeedQuery(query: Record<string, unknown>): FeedQuery {
  const unknown = Object.keys(query).filter((key) => !(FEED_QUERY_KEYS as readonly string[]).includes(key));
  if (unknown.length) throw new InvalidInputError(`unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.slice(0, 5).map((k) => k.slice(0, 40)).join(', ')}; allowed: ${FEED_QUERY_KEYS.join(', ')}`);
  const out: FeedQuery = {};
  for (const key of FEED_QUERY_KEYS) {
    const value = query[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new InvalidInputError(`${key}: give it once, as plain text`);
    out[key] = value;
  }
  return out;
}

/**
 * The caller's address: each trusted proxy in front of the function (Hosting's CDN, Google's front
 * end) appends the address it saw to X-Forwarded-For, so the client is `proxyHops` entries from the
 * end of [forwarded..., socket peer]. Entries before it are whatever the caller sent.
 */
export function clientAddress(forwardedFor: string | undefined, socketAddress: string | undefined, proxyHops: number): string {
  const chain = [...(forwardedFor ?? '').split(',').map((s) => s.trim()).filter(Boolean), socketAddress ?? 'unknown'];
  return chain[Math.max(0, chain.length - 1 - proxyHops)]!;
}

type Bucket = { tokens: number; at: number };

/** Token buckets per client address, in this instance's memory; the oldest addresses are forgotten first. */
export class AddressBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly perMinute: number, private readonly maxAddresses = 50_000, private readonly now = () => Date.now()) {}

  /** Takes one token; when there is none, how many seconds until there is. */
  take(address: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    const refillPerMs = this.perMinute / 60_000;
    const previous = this.buckets.get(address);
    const tokens = previous ? Math.min(this.perMinute, previous.tokens + (now - previous.at) * refillPerMs) : this.perMinute;
    this.buckets.delete(address); // re-inserted last: Map order is least recently used first
    if (tokens >= 1) {
      this.buckets.set(address, { tokens: tokens - 1, at: now });
      this.evict();
      return { allowed: true };
    }
    this.buckets.set(address, { tokens, at: now });
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / refillPerMs / 1000)) };
  }

  private evict(): void {
    while (this.buckets.size > this.maxAddresses) this.buckets.delete(this.buckets.keys().next().value!);
  }
}

/** The CDN (s-maxage) keeps a fresh reply until it expires, browsers a minute at most; stale ones nowhere. */
export function feedCacheControl(reply: Pick<DiscoveryReply, 'stale' | 'expiresAt'>, now = Date.now()): string {
  const fresh = reply.stale || !reply.expiresAt ? 0 : Math.min(300, Math.max(0, Math.floor((Date.parse(reply.expiresAt) - now) / 1000)));
  return fresh > 0 ? `public, max-age=${Math.min(60, fresh)}, s-maxage=${fresh}` : 'no-store';
}
