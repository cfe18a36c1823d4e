import { randomBytes } from 'node:crypto';
import { purgeOldRecords } from '../src/retention/purgeOldRecords';
import { triggerScheduled } from './support/client';
import { retentionRows } from './support/retentionRows';
import { closeTestClients, testDb } from './support/stack';

// Retention: rows of this file are aged by rewriting their timestamps (support/retentionRows.ts);
// everything else on the shared stack is younger than any retention period, so the purge cannot touch it.

afterAll(closeTestClients);

const tag = randomBytes(5).toString('hex');
const requestKey = randomBytes(32).toString('hex');
const { seed, left } = retentionRows(tag, requestKey);

describe('retention purge', () => {
  test('deletes attempts, usage counters and audit rows past their periods, idle rate buckets and dead leases; keeps the rest', async () => {
    await seed();
    expect(await left()).toEqual({ attempts: [1, 2], usage: [1, 2], audit: ['old', 'recent'], buckets: ['answers', 'draws'], leases: 1 });
    const summary = await purgeOldRecords(testDb(), { attemptsDays: 90, usageDays: 400, auditDays: 365 });
    expect(await left()).toEqual({ attempts: [2], usage: [2], audit: ['recent'], buckets: ['answers'], leases: 0 });
    expect(summary.attempts).toBeGreaterThanOrEqual(1);
    expect(summary.audit).toBeGreaterThanOrEqual(1);

    // Shorter periods reach the younger rows too: the periods are what decides.
    await purgeOldRecords(testDb(), { attemptsDays: 7, usageDays: 7, auditDays: 3 });
    expect(await left()).toMatchObject({ attempts: [], usage: [], audit: [] });
  });

  test('a period that is not a whole number of days ≥ 1 is refused before anything is deleted', async () => {
    await expect(purgeOldRecords(testDb(), { attemptsDays: 0, usageDays: 400, auditDays: 365 })).rejects.toThrow(/attemptsDays must be a whole number/);
  });

  test('the scheduled function runs through the emulator with the default periods', async () => {
    expect(await triggerScheduled('purgeOldRecords')).toBe(200);
  });
});
