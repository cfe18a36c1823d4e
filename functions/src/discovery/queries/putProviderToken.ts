import type { Queryable } from '../../shared/postgres';

/** Stores a fresh access token (`expiresInMs` from now), replacing the previous one. */
export async function putProviderToken(db: Queryable, provider: string, token: string, expiresInMs: number): Promise<void> {
  await db.query({
    name: 'discovery-provider-token-put',
    text: `INSERT INTO discovery_provider_tokens (provider, token, expires_at)
           VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3 / 1000.0))
           ON CONFLICT (provider) DO UPDATE SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at`,
  }, [provider, token, expiresInMs]);
}
