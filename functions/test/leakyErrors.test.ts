// Attack 8 (issue 15): raw error text must not reach the client-readable generation_status. The
// requester reads its status through the Firebase JS SDK (the app's client); the fake model answers
// 401 with a key-shaped string in its body, as OpenAI does for a wrong key.
import { randomBytes } from 'node:crypto';
import { appClient, closeAppClients } from './support/appClient';
import { callFunction, signIn, signUp } from './support/client';
import { injectFaults } from './support/fakeOpenAI';
import { uniquePool, waitForAttemptRows } from './support/pools';
import { closeTestClients, testDb } from './support/stack';
import type { GenerationStatus, QuestionFactoryClient } from '../client';
import { PUBLIC_ERROR_CODES } from '../src/generation/publicErrors';

afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

const LEAKED_KEY = `sk-proj-${randomBytes(24).toString('hex')}`;

async function requester(): Promise<QuestionFactoryClient> {
  const email = `leak-${randomBytes(4).toString('hex')}@example.com`;
  await signUp(email);
  return (await appClient(email)).client;
}

/** Listens (as the requester) before asking, and resolves with the final status document. */
async function finalStatus(client: QuestionFactoryClient, pool: ReturnType<typeof uniquePool>): Promise<{ requestKey: string; status: GenerationStatus; seen: GenerationStatus[] }> {
  const accepted = await client.requestGeneration({ pool, targetCount: 4 });
  const seen: GenerationStatus[] = [];
  const status = await new Promise<GenerationStatus>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stuck: ${JSON.stringify(seen)}`)), 60_000);
    const stop = client.onGenerationStatus(accepted.requestKey, (data) => {
      if (!data) return;
      seen.push(data);
      if (data.status === 'failed') {
        clearTimeout(timer);
        stop();
        resolve(data);
      }
    }, reject);
  });
  return { requestKey: accepted.requestKey, status, seen };
}

describe('generation_status carries a code and a fixed sentence, never the raw error', () => {
  test('an upstream 401 echoing a key: the requester reads model-rejected, the key only reaches the admin detail', async () => {
    const theme = `leak ${randomBytes(4).toString('hex')}`;
    await injectFaults(theme, [{
      kind: 'status',
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${LEAKED_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', code: 'invalid_api_key' } },
    }]);
    const client = await requester();
    const { requestKey, status, seen } = await finalStatus(client, uniquePool({ theme }));
    expect(status).toMatchObject({ status: 'failed', errorCode: 'model-rejected', error: PUBLIC_ERROR_CODES['model-rejected'] });
    // No version of the document the requester saw carried the key, the status code or the upstream text.
    for (const version of seen) {
      const text = JSON.stringify(version);
      expect(text).not.toContain(LEAKED_KEY);
      expect(text).not.toMatch(/sk-|\b401\b|Incorrect API key|platform\.openai\.com/);
    }

    // The raw detail is in Postgres, and the console's request detail shows it to admins only.
    await waitForAttemptRows(requestKey);
    const { rows } = await testDb().query('SELECT last_error FROM generation_requests WHERE request_key = $1', [requestKey]);
    expect(rows[0].last_error).toContain(LEAKED_KEY);
    const admin = await signIn('admin@example.com', 'admin-password');
    const detail = await callFunction<{ request: { lastError: string } }>('adminGetRequest', { requestKey }, admin);
    expect(detail.ok && detail.result.request.lastError).toContain(LEAKED_KEY);
    const player = await signUp();
    const refused = await callFunction('adminGetRequest', { requestKey }, player);
    expect(refused).toMatchObject({ ok: false, status: 'PERMISSION_DENIED' });
    expect(JSON.stringify(refused)).not.toContain(LEAKED_KEY);
  });

  test('invalid params stored in Postgres: the requester reads invalid-request, not the validation text', async () => {
    const theme = `leak ${randomBytes(4).toString('hex')}`;
    // The attempt before it fails with a 500 carrying SQL-looking detail; the next one finds the row's
    // params corrupted (as a bad migration would), a permanent failure whose message quotes them.
    await injectFaults(theme, [{ kind: 'status', status: 500, body: { error: { message: 'relation "secret_table" does not exist at character 42 (SELECT * FROM secret_table)', type: 'server_error' } } }]);
    const client = await requester();
    const pool = uniquePool({ theme });
    const accepted = await client.requestGeneration({ pool, targetCount: 4 });
    const seen: GenerationStatus[] = [];
    await testDb().query(`UPDATE generation_requests SET params = params || '{"difficulty": "secret-table-xyz"}'::jsonb WHERE request_key = $1`, [accepted.requestKey]);
    const status = await new Promise<GenerationStatus>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stuck: ${JSON.stringify(seen)}`)), 90_000);
      const stop = client.onGenerationStatus(accepted.requestKey, (data) => {
        if (!data) return;
        seen.push(data);
        if (data.status === 'failed') { clearTimeout(timer); stop(); resolve(data); }
      }, reject);
    });
    expect(status).toMatchObject({ status: 'failed', errorCode: 'invalid-request', error: PUBLIC_ERROR_CODES['invalid-request'] });
    for (const version of seen) expect(JSON.stringify(version)).not.toMatch(/secret|SELECT|relation|difficulty|stored params/);
    expect(Object.keys(PUBLIC_ERROR_CODES)).toContain(status.errorCode);
  });
});
