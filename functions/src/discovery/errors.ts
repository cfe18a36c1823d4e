import type { ProviderName } from './types';

export type UpstreamFailure = 'http' | 'timeout' | 'network' | 'malformed' | 'rate-limited' | 'provider-error';

/** A provider did not give a usable answer; reads fall back to a stale row, refreshes log and move on. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly provider: ProviderName,
    readonly failure: UpstreamFailure,
    message: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(`${provider}: ${message}`);
  }
}

/** The provider's key is not set: reported once as "unconfigured", never retried. */
export class ProviderNotConfiguredError extends Error {
  override readonly name = 'ProviderNotConfiguredError';
  constructor(readonly provider: ProviderName, readonly missing: string[]) {
    super(`${provider} is not configured (set ${missing.join(', ')})`);
  }
}

/** db_only mode and nothing cached for this key. */
export class NotCachedError extends Error {
  override readonly name = 'NotCachedError';
}
