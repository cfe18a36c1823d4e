// `npm run migrate:cloudsql`: applies functions/migrations to a Cloud SQL instance through the Cloud
// SQL connector (no public IP allow-listing, no Auth Proxy binary). It opens the connector's local
// proxy on a Unix socket in a temp dir and points node-pg-migrate at it; Application Default
// Credentials pay for the connection (run as the runtime service account, see docs/deploy.md).
//   CLOUD_SQL_INSTANCE=project:region:instance CLOUD_SQL_USER=<sa email> npm run migrate:cloudsql
//   CLOUD_SQL_AUTH=PASSWORD DATABASE_URL=postgres://user:password@cloudsql/question_factory …
// Same settings and rules as the functions (functions/src/shared/postgresTarget.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { functionsDir, requireFromFunctions } from './lib/paths.mjs';

const { choosePostgresTarget } = requireFromFunctions('./lib/shared/postgresTarget.js');
const target = choosePostgresTarget({
  cloudSqlInstance: process.env.CLOUD_SQL_INSTANCE ?? '',
  cloudSqlAuth: process.env.CLOUD_SQL_AUTH ?? 'IAM',
  cloudSqlIpType: process.env.CLOUD_SQL_IP_TYPE ?? 'PUBLIC',
  cloudSqlUser: process.env.CLOUD_SQL_USER ?? '',
  cloudSqlDatabase: process.env.CLOUD_SQL_DATABASE ?? 'question_factory',
  databaseUrl: process.env.DATABASE_URL,
});
if (target.kind !== 'cloud-sql') {
  console.error('Set CLOUD_SQL_INSTANCE (project:region:instance). For any other Postgres: DATABASE_URL=… npm --prefix functions run migrate');
  process.exit(2);
}

const { AuthTypes, Connector, IpAddressTypes } = requireFromFunctions('@google-cloud/cloud-sql-connector');
const { runner } = await import(path.join(functionsDir, 'node_modules', 'node-pg-migrate', 'dist', 'bundle', 'index.js'));

const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qf-cloudsql-'));
const connector = new Connector();
try {
  await connector.startLocalProxy({
    instanceConnectionName: target.instanceConnectionName,
    ipType: IpAddressTypes[target.ipType],
    authType: AuthTypes[target.authType],
    listenOptions: { path: path.join(socketDir, '.s.PGSQL.5432') },
  });
  console.log(`migrating ${target.instanceConnectionName}/${target.database} as ${target.user} (${target.authType} auth)`);
  const applied = await runner({
    databaseUrl: { host: socketDir, user: target.user, password: target.password, database: target.database },
    dir: path.join(functionsDir, 'migrations'),
    direction: process.argv[2] === 'down' ? 'down' : 'up',
    count: process.argv[2] === 'down' ? 1 : Infinity,
    migrationsTable: 'pgmigrations',
    // One migrator at a time: node-pg-migrate takes an advisory lock.
    noLock: false,
    log: (line) => console.log(line),
  });
  console.log(applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'nothing to apply');
} finally {
  connector.close();
  fs.rmSync(socketDir, { recursive: true, force: true });
}
