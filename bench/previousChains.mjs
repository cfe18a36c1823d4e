// The call chains as they were before issue 19, rebuilt from the built functions/lib pieces so
// the bench measures them beside today's chains in the same run (the baseline, never production):
// accept = per-call zod parse, canonical JSON and sha256, a known-requester read, then the upsert
// statement, then the requester/status write, then the enqueue, one after another; a draw = the
// rate token, then the seen-memory transaction (read, then commit).
import { createRequire } from 'node:module';
import path from 'node:path';
import { functionsDir } from '../scripts/lib/paths.mjs';

const require = createRequire(path.join(functionsDir, 'package.json'));
const lib = (file) => require(path.join(functionsDir, 'lib', file));

const KNOWN_SQL = {
  name: 'bench-previous-known-requester',
  text: `SELECT r.status, r.enqueue_count, r.enqueued_at, r.finished_at
           FROM generation_requests r
           JOIN generation_requesters q ON q.request_key = r.request_key AND q.uid = $2
          WHERE r.request_key = $1`,
};

export function previousChains() {
  const { parseInput } = lib('shared/validation.js');
  const { generationRequestSchema, poolKeyOf, requestKeyOf } = lib('questions/poolParams.js');
  const { isPaidGenerator, pickGenerator } = lib('questions/pickGenerator.js');
  const { upsertGenerationRequest } = lib('generation/queries/upsertGenerationRequest.js');
  const { claimEnqueue } = lib('generation/queries/claimEnqueue.js');
  const { reopenGenerationRequest } = lib('generation/queries/reopenGenerationRequest.js');
  const { enqueueOwned } = lib('generation/acceptGenerationRequest.js');
  const { mirrorRequester, mirrorStatus } = lib('generation/statusMirror.js');
  const { drawQuestions } = lib('draws/drawQuestions.js');

  async function accept(deps, uid, input) {
    const request = parseInput(generationRequestSchema, input);
    const paid = isPaidGenerator(pickGenerator(deps.generators, request.pool));
    const poolKey = poolKeyOf(request.pool);
    const requestKey = requestKeyOf(request);
    const known = (await deps.db.query(KNOWN_SQL, [requestKey, uid])).rows[0];
    const row = known
      ? { outcome: 'accepted', created: false, newRequester: false, status: known.status, enqueueCount: known.enqueue_count, enqueuedAt: known.enqueued_at }
      : await upsertGenerationRequest(deps.db, { requestKey, poolKey, params: request.pool, targetCount: request.targetCount, maxAttempts: deps.maxAttempts, uid, quotas: deps.quotas, paid });
    if (row.outcome === 'over-quota') throw new Error('over quota');
    if (row.newRequester) await mirrorRequester(deps.firestore, { requestKey, poolKey, targetCount: request.targetCount, uid, created: row.created });
    let status = row.status;
    let enqueueCount = row.created ? row.enqueueCount : undefined;
    if (!row.created && row.status === 'pending' && row.enqueuedAt === null) enqueueCount = await claimEnqueue(deps.db, requestKey);
    if (row.status === 'failed' || row.status === 'cancelled') {
      enqueueCount = await reopenGenerationRequest(deps.db, requestKey, deps.failedCooldownSeconds);
      if (enqueueCount !== undefined) {
        status = 'pending';
        await mirrorStatus(deps.firestore, requestKey, { status, error: null });
      }
    }
    if (enqueueCount !== undefined) await enqueueOwned(deps, requestKey, enqueueCount);
    return { requestKey, poolKey, status, created: row.created };
  }

  async function draw(deps, limiter, uid, input) {
    await limiter.take(uid, 'draws');
    return drawQuestions(deps, uid, input);
  }

  return { accept, draw };
}
