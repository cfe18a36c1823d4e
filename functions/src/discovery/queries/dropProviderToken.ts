import type { Queryable } from '../../shared/postgres';

/** Forgets a token the provider refused, unless another instance has already replaced it. */
export async function dropProviderToken(db: Queryable, provider: string, token: string): Promise<void> {
  await db.query({ name: 'discovery-provider-token-drop', text: 'DELETE FROM discovery_provider_tokens WHERE provider = $1 AND token = $2' }, [provider, token]);
}
