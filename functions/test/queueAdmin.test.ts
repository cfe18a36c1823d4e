import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Client } from 'google-auth-library';
import { cloudTasksQueueAdmin } from '../src/admin/queue';

// The Cloud Tasks emulator implements no queue administration, so this drives the real
// @google-cloud/tasks client, over its REST transport, against a local stand-in of the Cloud Tasks
// REST API (v2beta3: the only version whose getQueue returns stats).

type Seen = { method: string; path: string; query: URLSearchParams; authorization?: string };

function standIn() {
  const seen: Seen[] = [];
  const queue = {
    name: 'projects/p1/locations/europe-west1/queues/generateQuestionPool',
    state: 'RUNNING',
    rateLimits: { maxDispatchesPerSecond: 5, maxConcurrentDispatches: 20, maxBurstSize: 100 },
    retryConfig: { maxAttempts: 10 },
    stats: { tasksCount: '7', oldestEstimatedArrivalTime: '2026-11-22T10:00:00Z', executedLastMinuteCount: '3', concurrentDispatchesCount: '2', effectiveExecutionRate: 5 },
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://stand-in');
    seen.push({ method: req.method!, path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
    const reply = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const base = `/v2beta3/${queue.name}`;
    if (req.method === 'GET' && url.pathname === base) {
      // The read mask decides which fields come back: stats only when asked for.
      const mask = (url.searchParams.get('readMask') ?? '').split(',');
      const { stats, ...rest } = queue;
      return reply(mask.includes('stats') ? queue : rest);
    }
    if (req.method === 'POST' && url.pathname === `${base}:pause`) { queue.state = 'PAUSED'; return reply(queue); }
    if (req.method === 'POST' && url.pathname === `${base}:resume`) { queue.state = 'RUNNING'; return reply(queue); }
    if (req.method === 'POST' && url.pathname === `${base}:purge`) { queue.stats.tasksCount = '0'; delete (queue.stats as Partial<typeof queue.stats>).oldestEstimatedArrivalTime; return reply(queue); }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 404, message: `no route ${req.method} ${url.pathname}`, status: 'NOT_FOUND' } }));
  });
  return { server, seen, queue };
}

/** A fake access token; Node's fetch (jest cannot run gaxios' dynamic import of node-fetch). */
function fakeAuth(): OAuth2Client {
  const client = new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  client.setCredentials({ access_token: 'fake-token', expiry_date: Date.now() + 3_600_000 });
  return client;
}

let stand: ReturnType<typeof standIn>;
let admin: ReturnType<typeof cloudTasksQueueAdmin>;
beforeAll(async () => {
  stand = standIn();
  await new Promise<void>((resolve) => stand.server.listen(0, '127.0.0.1', resolve));
  const authClient = fakeAuth();
  admin = cloudTasksQueueAdmin({
    projectId: 'p1',
    region: 'europe-west1',
    queueId: 'generateQuestionPool',
    clientOptions: { fallback: true, apiEndpoint: '127.0.0.1', port: (stand.server.address() as AddressInfo).port, protocol: 'http', authClient },
  });
});
afterAll(async () => {
  await new Promise((resolve) => stand.server.close(resolve));
});

describe('queue administration through @google-cloud/tasks (v2beta3, REST)', () => {
  test('status asks for stats in the read mask and reports depth, oldest task, last-minute dispatches and rate limits', async () => {
    const status = await admin.status();
    expect(status).toEqual({
      name: stand.queue.name, state: 'RUNNING', tasks: 7, oldestTaskAt: '2026-11-22T10:00:00.000Z', dispatchedLastMinute: 3, concurrentDispatches: 2,
      maxDispatchesPerSecond: 5, maxConcurrentDispatches: 20, maxAttempts: 10,
    });
    const get = stand.seen.find((s) => s.method === 'GET')!;
    expect(get.path).toBe(`/v2beta3/${stand.queue.name}`);
    expect(get.query.get('readMask')!.split(',')).toEqual(expect.arrayContaining(['name', 'state', 'stats']));
    expect(get.authorization).toBe('Bearer fake-token');
  });

  test('pause and resume change the state; purge says how many tasks it removed', async () => {
    expect((await admin.pause()).state).toBe('PAUSED');
    expect(stand.seen.some((s) => s.method === 'POST' && s.path.endsWith(':pause'))).toBe(true);
    expect((await admin.resume()).state).toBe('RUNNING');
    const purged = await admin.purge();
    expect(purged.purged).toBe(7);
    expect(purged.queue.tasks).toBe(0);
    expect(stand.seen.filter((s) => s.method === 'POST').map((s) => s.path.split(':').pop())).toEqual(['pause', 'resume', 'purge']);
  });

  test('an API error reaches the caller', async () => {
    const wrong = cloudTasksQueueAdmin({
      projectId: 'p1', region: 'europe-west1', queueId: 'missing',
      clientOptions: { fallback: true, apiEndpoint: '127.0.0.1', port: (stand.server.address() as AddressInfo).port, protocol: 'http', authClient: fakeAuth() },
    });
    await expect(wrong.status()).rejects.toThrow(/no route GET/);
  });
});
