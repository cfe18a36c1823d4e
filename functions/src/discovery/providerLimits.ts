import type { Queryable } from '../shared/postgres';
import { blockProvider } from './queries/blockProvider';
import { dropProviderToken } from './queries/dropProviderToken';
import { getProviderToken } from './queries/getProviderToken';
import { putProviderToken } from './queries/putProviderToken';
import { reserveProviderSlot, type ReservedSlot } from './queries/reserveProviderSlot';

/**
 * Request spacing and "blocked until" of each provider. Per instance (memory) they let every
 * instance hit a provider at the full rate on its own; in Postgres all instances share one rate.
 */
export interface ProviderLimits {
  reserve(provider: string, intervalMs: number): Promise<ReservedSlot>;
  block(provider: string, ms: number): Promise<void>;
}

/** Where a provider's access token lives (IGDB's Twitch token). */
export interface TokenStore {
  get(provider: string, marginMs: number): Promise<{ token: string; expiresInMs: number } | undefined>;
  put(provider: string, token: string, expiresInMs: number): Promise<void>;
  /** The provider refused `token`: forget it, unless it was already replaced. */
  drop(provider: string, token: string): Promise<void>;
}

export class MemoryProviderLimits implements ProviderLimits {
  private readonly state = new Map<string, { nextSlot: number; blockedUntil: number }>();

  async reserve(provider: string, intervalMs: number): Promise<ReservedSlot> {
    const now = Date.now();
    const entry = this.state.get(provider) ?? { nextSlot: 0, blockedUntil: 0 };
    this.state.set(provider, entry);
    if (entry.blockedUntil > now) return { waitMs: 0, blockedForMs: entry.blockedUntil - now };
    const slot = Math.max(now, entry.nextSlot);
    entry.nextSlot = slot + intervalMs;
    return { waitMs: slot - now, blockedForMs: 0 };
  }

  async block(provider: string, ms: number): Promise<void> {
    const entry = this.state.get(provider) ?? { nextSlot: 0, blockedUntil: 0 };
    entry.blockedUntil = Math.max(entry.blockedUntil, Date.now() + ms);
    this.state.set(provider, entry);
  }
}

export class MemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  async get(provider: string, marginMs: number) {
    const entry = this.tokens.get(provider);
    if (!entry || entry.expiresAt <= Date.now() + marginMs) return undefined;
    return { token: entry.token, expiresInMs: entry.expiresAt - Date.now() };
  }

  async put(provider: string, token: string, expiresInMs: number) {
    this.tokens.set(provider, { token, expiresAt: Date.now() + expiresInMs });
  }

  async drop(provider: string, token: string) {
    if (this.tokens.get(provider)?.token === token) this.tokens.delete(provider);
  }
}

/**
 * Limits shared by every instance through Postgres (one short statement per provider request).
 * If Postgres cannot be reached, this instance falls back to its own memory limits rather than
 * failing the request: the provider stays protected from this instance at least.
 */
export class PostgresProviderLimits implements ProviderLimits, TokenStore {
  private readonly fallback = new MemoryProviderLimits();
  private readonly fallbackTokens = new MemoryTokenStore();

  /** `scope` prefixes the rows (tests and benches use their own). */
  constructor(private readonly db: Queryable, private readonly scope = '') {}

  reserve(provider: string, intervalMs: number): Promise<ReservedSlot> {
    return reserveProviderSlot(this.db, this.scope + provider, intervalMs).catch(() => this.fallback.reserve(provider, intervalMs));
  }

  async block(provider: string, ms: number): Promise<void> {
    await this.fallback.block(provider, ms);
    await blockProvider(this.db, this.scope + provider, ms).catch(() => undefined);
  }

  get(provider: string, marginMs: number) {
    return getProviderToken(this.db, this.scope + provider, marginMs).catch(() => this.fallbackTokens.get(provider, marginMs));
  }

  async put(provider: string, token: string, expiresInMs: number) {
    await this.fallbackTokens.put(provider, token, expiresInMs);
    await putProviderToken(this.db, this.scope + provider, token, expiresInMs).catch(() => undefined);
  }

  async drop(provider: string, token: string) {
    await this.fallbackTokens.drop(provider, token);
    await dropProviderToken(this.db, this.scope + provider, token).catch(() => undefined);
  }
}
