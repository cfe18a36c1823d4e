import type { z } from 'zod';
import { UpstreamError } from './errors';
import { MemoryProviderLimits, type ProviderLimits } from './providerLimits';
import type { ProviderName } from './types';

export type UpstreamSettings = {
  baseUrl: string;
  timeoutMs: number;
  /** A Retry-After up to this long is waited out and retried; longer ones block the provider until then. */
  maxRetryAfterSeconds: number;
};

export type UpstreamClientOptions = UpstreamSettings & {
  provider: ProviderName;
  /** Spacing between requests to respect the provider's rate limit (Jikan: about 3 per second). */
  minIntervalMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** Spacing and blocks; shared across instances when they live in Postgres (default: this client's memory). */
  limits?: ProviderLimits;
};

const RETRIES_AFTER_429 = 2;
const DEFAULT_RETRY_AFTER_SECONDS = 1;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** HTTP to one provider: timeout, per-provider spacing, Retry-After, and typed failures. */
export class UpstreamClient {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly limits: ProviderLimits;

  constructor(private readonly options: UpstreamClientOptions) {
    this.sleep = options.sleep ?? defaultSleep;
    this.limits = options.limits ?? new MemoryProviderLimits();
  }

  get baseUrl(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  async json<S extends z.ZodType>(schema: S, url: string, init: RequestInit = {}): Promise<z.output<S>> {
    const body = await this.request(url, init);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new UpstreamError(this.options.provider, 'malformed', `unexpected response shape: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
    }
    return parsed.data;
  }

  async request(url: string, init: RequestInit = {}): Promise<unknown> {
    const { provider, timeoutMs, maxRetryAfterSeconds } = this.options;
    for (let attempt = 0; ; attempt += 1) {
      const slot = await this.limits.reserve(provider, this.options.minIntervalMs);
      if (slot.blockedForMs > 0) {
        // The provider asked us to stay away: failing fast keeps a refresh storm off it.
        const seconds = Math.ceil(slot.blockedForMs / 1000);
        throw new UpstreamError(provider, 'rate-limited', `rate limited for another ${seconds} s`, 429, seconds);
      }
      if (slot.waitMs > 0) await this.sleep(slot.waitMs);
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
        text = await response.text();
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'TimeoutError' || name === 'AbortError') throw new UpstreamError(provider, 'timeout', `no answer within ${timeoutMs} ms`);
        throw new UpstreamError(provider, 'network', `unreachable (${(error as { cause?: { code?: string } }).cause?.code ?? String(error)})`);
      }
      if (response.status === 429 || response.status === 503) {
        const retryAfter = parseRetryAfter(response.headers.get('retry-after')) ?? DEFAULT_RETRY_AFTER_SECONDS;
        if (attempt < RETRIES_AFTER_429 && retryAfter <= maxRetryAfterSeconds) {
          await this.sleep(retryAfter * 1000);
          continue;
        }
        await this.limits.block(provider, retryAfter * 1000);
        throw new UpstreamError(provider, 'rate-limited', `answered ${response.status}, retry after ${retryAfter} s`, response.status, retryAfter);
      }
      if (!response.ok) throw new UpstreamError(provider, 'http', `answered ${response.status}: ${text.slice(0, 200)}`, response.status);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new UpstreamError(provider, 'malformed', `answered ${response.status} with a body that is not JSON: ${text.slice(0, 80)}`, response.status);
      }
    }
  }

}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** `2024-05-17T00:00:00+00:00` or `2024-05-17` → `2024-05-17`; anything else → null. */
/** A full date as providers send it: day precision when there is one. */
export function dayPrecision(date: string | null): 'day' | null {
  return date ? 'day' : null;
}

export function isoDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4}-\d{2}-\d{2})/.exec(value);
  return match ? match[1]! : null;
}
