import type { Queryable } from '../../shared/postgres';

/** A stored access token still valid for at least `marginMs`, with its remaining life. */
export async function getProviderToken(db: Queryable, provider: string, marginMs: number): Promise<{ token: string; expiresInMs: number } | undefined> {
  const { rows } = await db.query<{ token: string; expires_in_ms: string }>({
    name: 'discovery-provider-token-get',
    text: `SELECT token, extract(epoch FROM (expires_at - clock_timestamp())) * 1000 AS expires_in_ms
             FROM discovery_provider_tokens
            WHERE provider = $1 AND expires_at > clock_timestamp() + make_interval(secs => $2 / 1000.0)`,
  }, [provider, marginMs]);
  const row = rows[0];
  return row ? { token: row.token, expiresInMs: Number(row.expires_in_ms) } : undefined;
}
