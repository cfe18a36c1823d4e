import type { Queryable } from '../../shared/postgres';
import { DISCOVERY_ENTRY_COLUMNS, toDiscoveryEntryRow, type DiscoveryEntryRow } from './listDiscoveryEntries';

/** A read by the console: unlike the cache's hit path it counts nothing. */
export async function getDiscoveryEntryWithData(db: Queryable, cacheKey: string): Promise<(DiscoveryEntryRow & { data: unknown }) | undefined> {
  const { rows } = await db.query<Parameters<typeof toDiscoveryEntryRow>[0] & { data: unknown }>(
    `SELECT ${DISCOVERY_ENTRY_COLUMNS}, data FROM discovery_cache WHERE cache_key = $1`,
    [cacheKey],
  );
  const row = rows[0];
  return row ? { ...toDiscoveryEntryRow(row), data: row.data } : undefined;
}
