// The Postgres pool of this function instance: Cloud SQL through the connector or DATABASE_URL,
// sized from this function's concurrency (config/capacity.ts).
import type { Pool } from 'pg';
import { getLateConfiguredPool, getPostgresPool } from '../shared/postgres';
import { choosePostgresTarget, type PostgresTarget } from '../shared/postgresTarget';
import { poolSizeForFunction } from './capacity';
import { CLOUD_SQL_AUTH, CLOUD_SQL_DATABASE, CLOUD_SQL_INSTANCE, CLOUD_SQL_IP_TYPE, CLOUD_SQL_USER, DATABASE_URL, TEST_INSTRUMENTATION } from './params';
import { RoundTripCountingClient } from '../shared/instrumentedClients';

let target: PostgresTarget | undefined;

function secretValue(secret: { value(): string }): string | undefined {
  try {
    return secret.value();
  } catch {
    return undefined;
  }
}

export function postgresTarget(): PostgresTarget {
  target ??= choosePostgresTarget({
    cloudSqlInstance: CLOUD_SQL_INSTANCE.value(),
    cloudSqlAuth: CLOUD_SQL_AUTH.value(),
    cloudSqlIpType: CLOUD_SQL_IP_TYPE.value(),
    cloudSqlUser: CLOUD_SQL_USER.value(),
    cloudSqlDatabase: CLOUD_SQL_DATABASE.value(),
    databaseUrl: secretValue(DATABASE_URL),
  });
  return target;
}

/** Built on first use inside a request, where params have values; one pool per instance. */
export function getDatabase(): Pool {
  const chosen = postgresTarget();
  const max = poolSizeForFunction(process.env.FUNCTION_TARGET);
  // Test and bench stacks count every statement as a round trip (config/roundTripTrace.ts).
  const counting = TEST_INSTRUMENTATION.value() ? { Client: RoundTripCountingClient } : {};
  if (chosen.kind === 'url') return getPostgresPool(chosen.connectionString, { max, ...counting });
  return getLateConfiguredPool(`cloudsql:${chosen.instanceConnectionName}:${chosen.user}:${chosen.database}`, {
    max,
    ...counting,
    user: chosen.user,
    password: chosen.password,
    database: chosen.database,
    // The connector's socket is TLS with the instance's own certificates: no driver SSL on top.
    ssl: false,
  }, async () => {
    const { AuthTypes, Connector, IpAddressTypes } = await import('@google-cloud/cloud-sql-connector');
    const connector = new Connector();
    const options = await connector.getOptions({
      instanceConnectionName: chosen.instanceConnectionName,
      ipType: IpAddressTypes[chosen.ipType],
      authType: AuthTypes[chosen.authType],
    });
    return { stream: options.stream as never };
  });
}
