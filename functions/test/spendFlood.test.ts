import { randomBytes } from 'node:crypto';
import type { QuestionFactoryClient } from '../client';
import { DEFAULT_POOL_TARGET } from '../src/draws/drawQuestions';
import { appClient, closeAppClients } from './support/appClient';
import { signUp } from './support/client';
import { injectFaults } from './support/fakeOpenAI';
import { uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testDb } from './support/stack';

// Issue 15 §2, played as the attacker plays it: a fresh account, the app's Firebase JS SDK client,
// the emulators' callable path and the fake model. The test stack keeps the defaults of
// QUOTA_USER_DAILY_TOKENS (200,000) and QUOTA_USER_PAID_IN_FLIGHT (3).

const USER_QUOTA = 200_000;
const IN_FLIGHT = 3;
// The per-question estimate moves with every finished model run of the shared stack; pin it so the
// arithmetic below is this test's own (the trigger that measures it is exercised at the end).
const PER_QUESTION = 150;

jest.setTimeout(600_000);

afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

async function freshAccount(): Promise<{ client: QuestionFactoryClient; uid: string }> {
  const email = `flood-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
  await signUp(email);
  return appClient(email);
}

/** "cinema" is served only by the model: every pool here is paid work. */
const paidPool = (theme: string) => uniquePool({ subject: 'cinema', theme });

async function usage(uid: string) {
  const { rows } = await testDb().query(
    `SELECT requests, tokens::int, reserved::int, in_flight FROM usage_daily WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = $1`,
    [`user:${uid}`],
  );
  return rows[0] as { requests: number; tokens: number; reserved: number; in_flight: number };
}

async function pinEstimate(tokensPerQuestion = PER_QUESTION): Promise<void> {
  await testDb().query(
    `INSERT INTO generation_token_estimate (tokens_per_question, samples) VALUES ($1, 0)
     ON CONFLICT (id) DO UPDATE SET tokens_per_question = EXCLUDED.tokens_per_question`,
    [tokensPerQuestion],
  );
}

type Settled = { ok: true; requestKey: string } | { ok: false; code: string; message: string };
/**
 * One request as the app makes it. A call the SDK gave up on (deadline-exceeded: a loaded machine)
 * is asked again, as an app would: the same pool and size is the same request, so a retry of an
 * accepted call joins it for free and a refused one is refused again.
 */
async function settle(work: () => Promise<{ requestKey: string }>): Promise<Settled> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, requestKey: (await work()).requestKey };
    } catch (error) {
      const { code, message } = error as { code: string; message: string };
      if (code === 'functions/deadline-exceeded' && attempt < 4) continue;
      return { ok: false, code, message };
    }
  }
}

describe('spend flood (issue 15 §2)', () => {
  test('50 paid pools × 500 from a new account: accepted only while reservations fit its quota; the unused reservation comes back when the work ends', async () => {
    await pinEstimate();
    const attacker = await freshAccount();
    const tag = randomBytes(4).toString('hex');
    // One at a time: the functions emulator starts a worker process per concurrent call, which a
    // loaded two-core machine turns into timeouts (concurrent accepts are quotas.test.ts's subject).
    const outcomes: Settled[] = [];
    for (let i = 0; i < 50; i++) {
      outcomes.push(await settle(() => attacker.client.requestGeneration({ pool: paidPool(`flood ${tag} ${i}`), targetCount: 500 })));
    }
    const accepted = outcomes.filter((o): o is Extract<Settled, { ok: true }> => o.ok);
    const refused = outcomes.filter((o): o is Extract<Settled, { ok: false }> => !o.ok);
    // 500 × 150 = 75,000 tokens each: two fit under 200,000, a third would not.
    const fit = Math.floor(USER_QUOTA / (500 * PER_QUESTION));
    expect(fit).toBe(2);
    expect(accepted).toHaveLength(fit);
    expect(refused).toHaveLength(50 - fit);
    for (const r of refused) {
      expect(r.code).toBe('functions/resource-exhausted');
      expect(r.message).toMatch(/^Daily token quota of 200000 reached/);
    }
    const held = await usage(attacker.uid);
    expect(held).toMatchObject({ requests: fit, reserved: fit * 500 * PER_QUESTION, in_flight: fit });
    const rows = await testDb().query('SELECT count(*)::int AS n FROM generation_requests WHERE requested_by = $1', [attacker.uid]);
    expect(rows.rows[0].n).toBe(fit);

    // drawQuestions' top-up of a short paid pool goes through the same reservation: the draw is
    // served (nothing to deal yet), no work is accepted, and the player is told when it resets.
    // The estimate is pinned so that the top-up's reservation (DEFAULT_POOL_TARGET questions) exceeds what is left of
    // the quota even before any token is spent: otherwise the outcome would depend on how far the
    // two accepted pools had got (spent tokens count beside the reservations).
    const left = USER_QUOTA - fit * 500 * PER_QUESTION;
    await pinEstimate(Math.ceil(left / DEFAULT_POOL_TARGET) + 1);
    const drawn = await attacker.client.drawQuestions({ pool: paidPool(`flood ${tag} draw`), count: 10 });
    await pinEstimate();
    expect(drawn.generating).toBeUndefined();
    expect(drawn.quotaResetsAt).toBeDefined();
    expect((await usage(attacker.uid)).requests).toBe(fit);

    // The work runs and ends; the reservations are returned and only the real tokens stay charged.
    for (const a of accepted) expect((await waitForStatus(a.requestKey, ['done', 'failed'], 400_000)).status).toBe('done');
    const spent = await testDb().query<{ tokens: number; generated: number; reserved_tokens: number; reserved_day: Date | null }>(
      'SELECT (tokens_in + tokens_out)::int AS tokens, generated_count AS generated, reserved_tokens::int, reserved_day FROM generation_requests WHERE requested_by = $1',
      [attacker.uid],
    );
    const real = spent.rows.reduce((sum, r) => sum + r.tokens, 0);
    expect(real).toBeGreaterThan(0);
    for (const r of spent.rows) expect(r).toMatchObject({ reserved_tokens: 0, reserved_day: null });
    expect(await usage(attacker.uid)).toMatchObject({ requests: fit, tokens: real, reserved: 0, in_flight: 0 });
    // Finished model work moved the estimate from the pinned figure towards what was measured.
    const measured = real / spent.rows.reduce((sum, r) => sum + r.generated, 0);
    const estimate = await testDb().query('SELECT tokens_per_question, samples FROM generation_token_estimate');
    expect(Number(estimate.rows[0].samples)).toBeGreaterThanOrEqual(fit);
    const moved = estimate.rows[0].tokens_per_question - PER_QUESTION;
    expect(moved).not.toBe(0);
    expect(Math.sign(moved)).toBe(Math.sign(measured - PER_QUESTION));

    // What stays counted is what was used: the next 500 fits only if the real spend left room.
    await pinEstimate();
    const again = await settle(() => attacker.client.requestGeneration({ pool: paidPool(`flood ${tag} again`), targetCount: 500 }));
    if (real + 500 * PER_QUESTION <= USER_QUOTA) {
      expect(again.ok).toBe(true);
      if (again.ok) await waitForStatus(again.requestKey, ['done', 'failed'], 400_000);
    } else {
      expect(again).toMatchObject({ ok: false, code: 'functions/resource-exhausted', message: expect.stringMatching(/^Daily token quota of 200000 reached/) });
    }
  });

  test(`at most ${IN_FLIGHT} paid requests in flight per user, whatever their size; a slot frees when one ends`, async () => {
    await pinEstimate();
    const attacker = await freshAccount();
    const tag = randomBytes(4).toString('hex');
    const themes = Array.from({ length: 6 }, (_, i) => `inflight ${tag} ${i}`);
    // Slow model: the accepted work stays in flight while the rest is asked for.
    for (const theme of themes) await injectFaults(theme, [{ kind: 'delay', ms: 15_000 }]);
    const outcomes: Settled[] = [];
    for (const theme of themes) outcomes.push(await settle(() => attacker.client.requestGeneration({ pool: paidPool(theme), targetCount: 5 })));
    const accepted = outcomes.filter((o): o is Extract<Settled, { ok: true }> => o.ok);
    const refused = outcomes.filter((o): o is Extract<Settled, { ok: false }> => !o.ok);
    expect(accepted).toHaveLength(IN_FLIGHT);
    for (const r of refused) {
      expect(r.code).toBe('functions/resource-exhausted');
      expect(r.message).toMatch(/^At most 3 of your paid generation requests may be in flight/);
    }
    expect(await usage(attacker.uid)).toMatchObject({ in_flight: IN_FLIGHT, reserved: IN_FLIGHT * 5 * PER_QUESTION });
    await Promise.all(accepted.map((a) => waitForStatus(a.requestKey, ['done', 'failed'], 240_000)));
    expect(await usage(attacker.uid)).toMatchObject({ in_flight: 0, reserved: 0 });
    const later = await settle(() => attacker.client.requestGeneration({ pool: paidPool(`inflight ${tag} later`), targetCount: 5 }));
    expect(later.ok).toBe(true);
    if (later.ok) await waitForStatus(later.requestKey, ['done', 'failed'], 240_000);
  });
});
