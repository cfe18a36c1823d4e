import fs from 'node:fs';
import net from 'node:net';
import { CONNECTION_BUDGET, classOfFunction, connectionsNeeded, FUNCTION_CLASSES, poolSizeFor, poolSizeForFunction, RUNTIME_CLASSES, runtimeOptions } from '../src/config/capacity';
import { LateConfiguredPool } from '../src/shared/postgres';
import { choosePostgresTarget, iamDatabaseUser, PostgresConfigError, type PostgresSettings } from '../src/shared/postgresTarget';
import { testStack } from './support/stack';

const none: PostgresSettings = {
  cloudSqlInstance: '',
  cloudSqlAuth: 'IAM',
  cloudSqlIpType: 'PUBLIC',
  cloudSqlUser: '',
  cloudSqlDatabase: 'question_factory',
  databaseUrl: undefined,
};

describe('which Postgres the functions reach', () => {
  test('without CLOUD_SQL_INSTANCE, the DATABASE_URL secret as is', () => {
    expect(choosePostgresTarget({ ...none, databaseUrl: 'postgres://u:p@db.internal:5432/qf' })).toEqual({ kind: 'url', connectionString: 'postgres://u:p@db.internal:5432/qf' });
  });

  test.each([undefined, '', 'none'])('neither an instance nor a URL (%p) is a configuration error that names both', (databaseUrl) => {
    expect(() => choosePostgresTarget({ ...none, databaseUrl })).toThrow(/CLOUD_SQL_INSTANCE.*DATABASE_URL/);
  });

  test('with an instance: the connector, IAM auth and the public IP by default, the service account as database user', () => {
    const target = choosePostgresTarget({
      ...none,
      cloudSqlInstance: 'quiz-prod:europe-west1:quiz-pg',
      cloudSqlAuth: '',
      cloudSqlIpType: '',
      cloudSqlUser: 'functions-runtime@quiz-prod.iam.gserviceaccount.com',
      databaseUrl: 'none',
    });
    expect(target).toEqual({
      kind: 'cloud-sql',
      instanceConnectionName: 'quiz-prod:europe-west1:quiz-pg',
      authType: 'IAM',
      ipType: 'PUBLIC',
      user: 'functions-runtime@quiz-prod.iam',
      database: 'question_factory',
    });
    expect(target).not.toHaveProperty('password');
  });

  test('an instance wins over a DATABASE_URL left from local work', () => {
    const target = choosePostgresTarget({ ...none, cloudSqlInstance: 'quiz-prod:us-central1:pg', cloudSqlUser: 'sa@quiz-prod.iam', databaseUrl: 'postgres://postgres@127.0.0.1:5432/x' });
    expect(target.kind).toBe('cloud-sql');
  });

  test('IAM auth without a user is refused before any connection is tried', () => {
    expect(() => choosePostgresTarget({ ...none, cloudSqlInstance: 'quiz-prod:us-central1:pg' })).toThrow(/CLOUD_SQL_USER/);
  });

  test('PASSWORD auth takes user, password and database from the secret, ignoring its host', () => {
    const target = choosePostgresTarget({
      ...none,
      cloudSqlInstance: 'quiz-prod:us-central1:pg',
      cloudSqlAuth: 'password',
      cloudSqlIpType: 'private',
      databaseUrl: 'postgres://app:s%40cret@cloudsql/quiz',
    });
    expect(target).toEqual({
      kind: 'cloud-sql',
      instanceConnectionName: 'quiz-prod:us-central1:pg',
      authType: 'PASSWORD',
      ipType: 'PRIVATE',
      user: 'app',
      password: 's@cret',
      database: 'quiz',
    });
  });

  test('PASSWORD auth without a password in the secret is refused', () => {
    expect(() => choosePostgresTarget({ ...none, cloudSqlInstance: 'quiz-prod:us-central1:pg', cloudSqlAuth: 'PASSWORD', databaseUrl: 'postgres://app@cloudsql/quiz' })).toThrow(PostgresConfigError);
    expect(() => choosePostgresTarget({ ...none, cloudSqlInstance: 'quiz-prod:us-central1:pg', cloudSqlAuth: 'PASSWORD', databaseUrl: 'none' })).toThrow(/DATABASE_URL/);
  });

  test.each([
    ['an instance name without region', { cloudSqlInstance: 'quiz-prod:pg' }, /project:region:instance/],
    ['a URL instead of an instance name', { cloudSqlInstance: 'postgres://x@y/z' }, /project:region:instance/],
    ['an unknown auth type', { cloudSqlInstance: 'quiz-prod:us-central1:pg', cloudSqlUser: 'sa@p.iam', cloudSqlAuth: 'KERBEROS' }, /CLOUD_SQL_AUTH/],
    ['an unknown IP type', { cloudSqlInstance: 'quiz-prod:us-central1:pg', cloudSqlUser: 'sa@p.iam', cloudSqlIpType: 'LOOPBACK' }, /CLOUD_SQL_IP_TYPE/],
  ])('refuses %s', (_name, patch, message) => {
    expect(() => choosePostgresTarget({ ...none, ...patch })).toThrow(message);
  });

  test('a legacy domain-scoped project is a valid instance name', () => {
    expect(choosePostgresTarget({ ...none, cloudSqlInstance: 'example.com:quiz-prod:us-central1:pg', cloudSqlUser: 'me@example.com' }).kind).toBe('cloud-sql');
    expect(iamDatabaseUser('me@example.com')).toBe('me@example.com');
  });
});

describe('pool sizes and the connection budget', () => {
  test('a pool serves about an eighth of the concurrent requests, between 2 and 10 connections', () => {
    expect(poolSizeFor(80)).toBe(10);
    expect(poolSizeFor(40)).toBe(5);
    expect(poolSizeFor(10)).toBe(2);
    expect(poolSizeFor(1)).toBe(2);
    expect(poolSizeFor(1000)).toBe(10);
  });

  test('each function finds its class from FUNCTION_TARGET, grouped exports included; unknown ones get the admin default', () => {
    expect(classOfFunction('requestGeneration')).toBe('mobile');
    expect(classOfFunction('discoveryRefresh.tmdbTrending')).toBe('scheduled');
    expect(classOfFunction('discoveryRefresh-tmdbTrending')).toBe('scheduled');
    expect(classOfFunction('someFutureAdminCallable')).toBe('admin');
    expect(classOfFunction(undefined)).toBe('admin');
    expect(poolSizeForFunction('drawQuestions')).toBe(10);
    expect(poolSizeForFunction('sweepGenerationRequests')).toBe(2);
    expect(runtimeOptions('generateQuestionPool')).toEqual(RUNTIME_CLASSES.task);
    // A cache fill holds no connection during the provider call (fill lease), so the hourly refresh
    // needs no more than any cron.
    expect(poolSizeForFunction('discoveryRefreshExpired')).toBe(2);
    expect(runtimeOptions('discoveryRefreshExpired')).toEqual({ maxInstances: 1, concurrency: 1 });
    // Game callables live in Firestore: they count for nothing in the budget.
    expect(classOfFunction('submitAnswer')).toBe('game');
    expect(connectionsNeeded(['submitAnswer', 'createGame', 'checkGameProjections']).total).toBe(0);
  });

  test('the generation queue cannot dispatch more tasks than the task function has room for', () => {
    const { maxInstances, concurrency } = RUNTIME_CLASSES.task;
    expect(maxInstances * concurrency).toBeGreaterThanOrEqual(20); // rateLimits.maxConcurrentDispatches in generation/handlers.ts
  });

  test('every deployed function has a class, and all of them at full scale fit the budget (max_connections ≥ Σ maxInstances × pool)', () => {
    // The function names as the emulator loaded them from the built index.
    const log = testStack().logFile;
    const text = fs.readFileSync(log, 'utf8');
    const loaded = /Loaded functions definitions from source: ([^\n]+)\./.exec(text);
    expect(loaded).not.toBeNull();
    const names = loaded![1]!.split(', ').map((name) => name.trim().replace(/\./g, '-'));
    expect(names).toContain('requestGeneration');
    const unlisted = names.filter((name) => !(name in FUNCTION_CLASSES) && classOfFunction(name) !== 'scheduled');
    expect(unlisted).toEqual([]);
    const { total } = connectionsNeeded(names);
    expect(total).toBeLessThanOrEqual(CONNECTION_BUDGET);
  });
});

describe('a pool whose transport is set up asynchronously (the Cloud SQL connector path)', () => {
  // The connector's socket: ignores the host and port pg asks for and dials the real server,
  // as the connector dials the instance over TLS.
  function redirectingStream(port: number, dials: { count: number }) {
    return () => {
      const socket = new net.Socket();
      const dial = socket.connect.bind(socket) as (port: number, host: string) => net.Socket;
      (socket as unknown as { connect: () => net.Socket }).connect = () => {
        dials.count += 1;
        return dial(port, '127.0.0.1');
      };
      return socket;
    };
  }
  const server = new URL(testStack().databaseUrl);

  test('queries wait for the setup, run it once, and reach Postgres through the stream it returns', async () => {
    const dials = { count: 0 };
    let prepares = 0;
    const pool = new LateConfiguredPool(
      { host: 'instance.cloudsql.invalid', port: 1, user: server.username, database: server.pathname.slice(1), max: 3, ssl: false },
      async () => {
        prepares += 1;
        await new Promise((resolve) => setTimeout(resolve, 50)); // certificates being fetched
        return { stream: redirectingStream(Number(server.port), dials) as never };
      },
    );
    try {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.query<{ n: number }>('SELECT $1::int AS n', [i])));
      expect(results.map((r) => r.rows[0]!.n)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(prepares).toBe(1);
      expect(dials.count).toBeGreaterThanOrEqual(1);
      expect(dials.count).toBeLessThanOrEqual(3);
      const client = await pool.connect();
      try {
        expect((await client.query('SELECT current_database() AS db')).rows[0].db).toBe(server.pathname.slice(1));
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });

  test('a failed setup fails the waiting queries and is retried by the next one', async () => {
    let prepares = 0;
    const dials = { count: 0 };
    const pool = new LateConfiguredPool({ host: 'instance.cloudsql.invalid', port: 1, user: server.username, database: server.pathname.slice(1), max: 2 }, async () => {
      prepares += 1;
      if (prepares === 1) throw new Error('sqladmin: 403 cloudsql.instances.connect denied');
      return { stream: redirectingStream(Number(server.port), dials) as never };
    });
    try {
      await expect(pool.query('SELECT 1')).rejects.toThrow(/instances.connect denied/);
      expect((await pool.query('SELECT 2 AS two')).rows[0].two).toBe(2);
      expect(prepares).toBe(2);
    } finally {
      await pool.end();
    }
  });
});
