import { randomBytes } from 'node:crypto';
import { callOrThrow, signUp, type SignedIn } from './support/client';
import { injectFaults, modelCalls, setQuality, truthsOf } from './support/fakeOpenAI';
import { poolItemSnapshots, uniquePool, waitForAttemptRows, waitForStatus } from './support/pools';
import { closeTestClients, testDb } from './support/stack';

// Independent verification of model-written questions (issue 17 §1), end to end: requestGeneration
// through the emulators, the fake model writing faulty questions and answering verifier calls blind.

type Accepted = { requestKey: string; poolKey: string; status: string; created: boolean };

let player: SignedIn;
beforeAll(async () => {
  player = await signUp();
});
afterAll(closeTestClients);

function themed() {
  const theme = `verify ${randomBytes(4).toString('hex')}`;
  return { theme, pool: uniquePool({ subject: 'cinema', theme }) };
}

async function row(requestKey: string) {
  const { rows } = await testDb().query('SELECT * FROM generation_requests WHERE request_key = $1', [requestKey]);
  return rows[0];
}

describe('verification of model-written questions', () => {
  test('wrong keys and ambiguous items never reach the pool; each stored question carries its verdict', async () => {
    const { theme, pool } = themed();
    await setQuality(theme, { wrongKey: 0.2, ambiguous: 0.1, positionBias: [1, 0, 0, 0] });
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 40 }, player);
    expect((await waitForStatus(accepted.requestKey, ['done', 'failed'], 90_000)).status).toBe('done');
    const truths = new Map((await truthsOf(theme)).map((t) => [t.prompt, t]));
    const items = (await poolItemSnapshots(accepted.poolKey)).map((doc) => doc.data());
    expect(items).toHaveLength(40);
    const positions = new Set<number>();
    for (const item of items) {
      const truth = truths.get(item.prompt.toLowerCase())!;
      expect(truth.flaw).toBe('none');
      expect(truth.correct).toEqual([item.choices[item.answerIndex]]);
      expect(item.verification).toMatchObject({ verdict: 'accepted', model: 'gpt-4.1-nano', answers: [item.answerIndex] });
      expect(item.verification.tokensIn).toBeGreaterThan(0);
      positions.add(item.answerIndex);
    }
    // The model put every key first; stored, keys sit at every position.
    expect(positions.size).toBe(4);
    const done = await row(accepted.requestKey);
    expect(done.result.rejected['key-disputed']).toBeGreaterThan(0);
    expect(done.result.rejected.ambiguous).toBeGreaterThan(0);
    // The verifier's work is reported apart from the writer's, and charged to the request too.
    expect(done.result.verification).toMatchObject({ model: 'gpt-4.1-nano', calls: (await modelCalls(theme)).verifications });
    expect(done.result.verification.tokensIn).toBeGreaterThan(0);
    // The writer is asked for what was turned away too: accepted questions past the target are counted, not stored.
    expect(done.result.verification.verdicts.accepted).toBe(40 + (done.result.verification.surplus ?? 0));
    expect(done.result.verification.surplus ?? 0).toBeLessThan(10);
    expect(done.tokens_in).toBeGreaterThan(done.result.verification.tokensIn);
  });

  test('a verifier outage is a transient fault: retried, the paid batch kept, nothing accepted unverified', async () => {
    const { theme, pool } = themed();
    await injectFaults(`verify:${theme}`, [{ kind: 'status', status: 503 }]);
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 8 }, player);
    expect((await waitForStatus(accepted.requestKey, ['done'], 90_000)).status).toBe('done');
    // The attempt row is recorded after the status mirror (docs/reliability.md): wait for both.
    await waitForAttemptRows(accepted.requestKey, 2);
    const attempts = await testDb().query('SELECT outcome, error FROM generation_attempts WHERE request_key = $1 ORDER BY attempt', [accepted.requestKey]);
    expect(attempts.rows.map((a) => a.outcome)).toEqual(['retry', 'done']);
    expect(attempts.rows[0].error).toMatch(/model error 503/);
    // One writer call: the retry verified the batch it had stored instead of paying for another.
    expect(await modelCalls(theme)).toMatchObject({ calls: 1, verifications: 2 });
    const items = (await poolItemSnapshots(accepted.poolKey)).map((doc) => doc.data());
    expect(items).toHaveLength(8);
    for (const item of items) expect(item.verification.verdict).toBe('accepted');
  });
});
