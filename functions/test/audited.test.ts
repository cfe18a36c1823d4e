import { audited, summarizeResult } from '../src/admin/audit';
import { listAdminActions } from '../src/admin/queries/listAdminActions';
import { NotFoundError } from '../src/shared/errors';
import { closeTestClients, testDb } from './support/stack';

afterAll(closeTestClients);

describe('audited', () => {
  test('a successful action leaves one ok row with its parameters and a summary of its result', async () => {
    const actor = { uid: `audit-${Date.now()}`, email: 'someone@example.com' };
    const result = await audited(testDb(), actor, 'retryRequest', { target: 'abc', params: { requestKey: 'abc' } }, async () => ({
      status: 'pending',
      requeued: true,
      questions: [1, 2, 3],
      nested: { dropped: true },
    }));
    expect(result.requeued).toBe(true);
    const rows = await listAdminActions(testDb(), { actorUid: actor.uid, limit: 10 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorEmail: 'someone@example.com',
      action: 'retryRequest',
      target: 'abc',
      params: { requestKey: 'abc' },
      outcome: 'ok',
      result: { status: 'pending', requeued: true, questions: { items: 3 } },
      error: null,
    });
  });

  test('a failed action is recorded with its error and the error reaches the caller unchanged', async () => {
    const actor = { uid: `audit-${Date.now()}-e` };
    const failure = new NotFoundError('No such request.');
    await expect(audited(testDb(), actor, 'retryRequest', { target: 'nope' }, async () => { throw failure; })).rejects.toBe(failure);
    const rows = await listAdminActions(testDb(), { actorUid: actor.uid, limit: 10 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'error', error: 'NotFoundError: No such request.', target: 'nope', params: {} });
  });

  test('listAdminActions is newest first, filters combine, and pages by id', async () => {
    const actor = { uid: `audit-${Date.now()}-p` };
    for (const action of ['a', 'b', 'a', 'a']) await audited(testDb(), actor, action, {}, async () => null);
    const all = await listAdminActions(testDb(), { actorUid: actor.uid, limit: 10 });
    expect(all.map((row) => row.action)).toEqual(['a', 'a', 'b', 'a']);
    const onlyA = await listAdminActions(testDb(), { actorUid: actor.uid, action: 'a', limit: 2 });
    expect(onlyA).toHaveLength(2);
    const next = await listAdminActions(testDb(), { actorUid: actor.uid, action: 'a', limit: 2, beforeId: onlyA[1]!.id });
    expect(next.map((row) => row.id)).toEqual([all[3]!.id]);
  });

  test('summarizeResult keeps scalars and list sizes, never payloads', () => {
    expect(summarizeResult(undefined)).toBeNull();
    expect(summarizeResult([1, 2])).toEqual({ items: 2 });
    expect(summarizeResult({ s: 'x'.repeat(300), n: 1, l: [1], o: { a: 1 } })).toEqual({ s: `${'x'.repeat(200)}…`, n: 1, l: { items: 1 } });
  });
});

