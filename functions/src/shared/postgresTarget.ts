// Where the functions' Postgres is: a Cloud SQL instance through the Cloud SQL connector (IAM
// database auth by default) when CLOUD_SQL_INSTANCE is set, a plain DATABASE_URL otherwise.
// Pure: the params are read by config/database.ts.

export const CLOUD_SQL_AUTH_TYPES = ['IAM', 'PASSWORD'] as const;
export const CLOUD_SQL_IP_TYPES = ['PUBLIC', 'PRIVATE', 'PSC'] as const;

export type PostgresSettings = {
  /** `project:region:instance`; empty = not Cloud SQL. */
  cloudSqlInstance: string;
  cloudSqlAuth: string;
  cloudSqlIpType: string;
  /** IAM: the runtime service account's email (the `.gserviceaccount.com` suffix is dropped). */
  cloudSqlUser: string;
  cloudSqlDatabase: string;
  /** The DATABASE_URL secret: the server for `url`; user and password for Cloud SQL PASSWORD auth. */
  databaseUrl: string | undefined;
};

export type PostgresTarget =
  | { kind: 'url'; connectionString: string }
  | {
      kind: 'cloud-sql';
      instanceConnectionName: string;
      authType: (typeof CLOUD_SQL_AUTH_TYPES)[number];
      ipType: (typeof CLOUD_SQL_IP_TYPES)[number];
      user: string;
      password?: string;
      database: string;
    };

export class PostgresConfigError extends Error {
  override name = 'PostgresConfigError';
}

// Legacy domain-scoped projects have a `domain:` prefix.
const INSTANCE_NAME = /^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,61}[a-z0-9]:[a-z]+-[a-z]+[0-9]+:[a-z][a-z0-9-]*$/;

function isUnset(value: string | undefined): value is undefined {
  return value === undefined || value.trim() === '' || value.trim() === 'none';
}

function pick<T extends string>(name: string, value: string, allowed: readonly T[], fallback: T): T {
  const normalized = (value.trim() || fallback).toUpperCase();
  if (!(allowed as readonly string[]).includes(normalized)) {
    throw new PostgresConfigError(`${name} must be one of ${allowed.join(', ')}, not "${value}"`);
  }
  return normalized as T;
}

/** Cloud SQL names a service account's database user after its email without the domain suffix. */
export function iamDatabaseUser(email: string): string {
  return email.trim().replace(/\.gserviceaccount\.com$/, '');
}

export function choosePostgresTarget(settings: PostgresSettings): PostgresTarget {
  const instance = settings.cloudSqlInstance.trim();
  if (!instance) {
    if (isUnset(settings.databaseUrl)) {
      throw new PostgresConfigError('Set CLOUD_SQL_INSTANCE (Cloud SQL) or the DATABASE_URL secret (any other Postgres).');
    }
    return { kind: 'url', connectionString: settings.databaseUrl };
  }
  if (!INSTANCE_NAME.test(instance)) {
    throw new PostgresConfigError(`CLOUD_SQL_INSTANCE must look like project:region:instance, not "${instance}"`);
  }
  const authType = pick('CLOUD_SQL_AUTH', settings.cloudSqlAuth, CLOUD_SQL_AUTH_TYPES, 'IAM');
  const ipType = pick('CLOUD_SQL_IP_TYPE', settings.cloudSqlIpType, CLOUD_SQL_IP_TYPES, 'PUBLIC');
  const base = { kind: 'cloud-sql' as const, instanceConnectionName: instance, authType, ipType };

  if (authType === 'IAM') {
    if (!settings.cloudSqlUser.trim()) {
      throw new PostgresConfigError('CLOUD_SQL_USER must name the IAM database user (the runtime service account email) for IAM auth');
    }
    return { ...base, user: iamDatabaseUser(settings.cloudSqlUser), database: settings.cloudSqlDatabase.trim() || 'question_factory' };
  }

  // PASSWORD: the secret carries the credentials; its host is ignored (the connector is the transport).
  if (isUnset(settings.databaseUrl)) {
    throw new PostgresConfigError('CLOUD_SQL_AUTH=PASSWORD takes user and password from the DATABASE_URL secret (postgres://user:password@cloudsql/database)');
  }
  let url: URL;
  try {
    url = new URL(settings.databaseUrl);
  } catch {
    throw new PostgresConfigError('DATABASE_URL is not a URL (postgres://user:password@cloudsql/database)');
  }
  const user = decodeURIComponent(url.username) || settings.cloudSqlUser.trim();
  const password = decodeURIComponent(url.password);
  if (!user || !password) throw new PostgresConfigError('CLOUD_SQL_AUTH=PASSWORD needs a user and a password in DATABASE_URL');
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || settings.cloudSqlDatabase.trim() || 'question_factory';
  return { ...base, user, password, database };
}
