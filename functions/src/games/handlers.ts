import { appCheckEnforced, runtimeOptions } from '../config/runtime';
import { logger } from 'firebase-functions';
import { onCall, onRequest } from 'firebase-functions/v2/https';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { audited } from '../admin/audit';
import { dependencies } from '../config/dependencies';
import { rateLimiter } from '../config/rateLimiter';
import { DATABASE_URL, GAME_SERVER_SECRET, INGEST_WINDOW_SECONDS } from '../config/params';
import { requireAppCheck } from '../shared/appCheck';
import { requireRole, requireUid, toHttpsError, withHttpsErrors } from '../shared/httpsErrors';
import { parseInput } from '../shared/validation';
import { gameRefInput } from './contract';
import { checkEndedGames } from './checkProjections';
import { endIdleGames, IDLE_GAME_HOURS } from './endIdleGames';
import { rebuildGame as rebuild } from './gameLog';
import { FOLLOW_UP_GRACE_MS, sweepGameFollowUps as sweepFollowUps } from './finishedGame';
import { claimSignature, ingestEvents, releaseSignature } from './ingest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyBatch } from './ingestAuth';
import { createGame as create, joinGame as join, nextQuestion as next, startGame as start, submitAnswer as submit } from './play';

// The app's game callables: App Check like the other mobile callables (config/runtime.ts).
const playOptions = (name: string) => ({ ...runtimeOptions(name), secrets: [DATABASE_URL], enforceAppCheck: appCheckEnforced() });

export const createGame = onCall(playOptions('createGame'), async (request) => {
  requireAppCheck(request.app, appCheckEnforced());
  const uid = requireUid(request.auth);
  return withHttpsErrors(async () => {
    await rateLimiter().take(uid, 'games');
    return create(dependencies(), uid, request.data);
  });
});

export const joinGame = onCall(playOptions('joinGame'), async (request) => {
  requireAppCheck(request.app, appCheckEnforced());
  const uid = requireUid(request.auth);
  return withHttpsErrors(() => join(dependencies(), uid, request.data));
});

export const startGame = onCall(playOptions('startGame'), async (request) => {
  requireAppCheck(request.app, appCheckEnforced());
  const uid = requireUid(request.auth);
  return withHttpsErrors(() => start(dependencies(), uid, request.data));
});

export const nextQuestion = onCall(playOptions('nextQuestion'), async (request) => {
  requireAppCheck(request.app, appCheckEnforced());
  const uid = requireUid(request.auth);
  return withHttpsErrors(() => next(dependencies(), uid, request.data));
});

export const submitAnswer = onCall(playOptions('submitAnswer'), async (request) => {
  requireAppCheck(request.app, appCheckEnforced());
  const uid = requireUid(request.auth);
  return withHttpsErrors(async () => {
    await rateLimiter().take(uid, 'gameAnswers');
    return submit(dependencies(), uid, request.data);
  });
});

/** Admin: fold a game's log and rewrite its state and projection. */
export const rebuildGame = onCall({ ...runtimeOptions('rebuildGame'), secrets: [DATABASE_URL] }, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(async () => {
    const { gameId } = parseInput(gameRefInput, request.data);
    const deps = dependencies();
    return audited(deps.db, actor, 'rebuildGame', { target: gameId, params: request.data }, async () => ({ gameId, ...(await rebuild(deps.firestore, gameId)) }));
  });
});

/**
 * The live game server's door: POST { gameId, events } with the shared secret in
 * `x-game-server-secret`. 200 with counts, 400 malformed, 409 refused by the engine (whole batch),
 * 413 `GAME_TOO_LARGE` (the game would not fit its documents; nothing written), 401 otherwise.
 */
export const ingestGameEvents = onRequest({ ...runtimeOptions('ingestGameEvents'), secrets: [DATABASE_URL, GAME_SERVER_SECRET] }, async (req, res) => {
  if (req.method !== 'POST') {
    res.status(405).json({ error: 'POST only.' });
    return;
  }
  const windowSeconds = INGEST_WINDOW_SECONDS.value();
  const check = verifyBatch({
    secret: GAME_SERVER_SECRET.value(),
    timestamp: req.get(TIMESTAMP_HEADER),
    signature: req.get(SIGNATURE_HEADER),
    rawBody: req.rawBody,
    nowMs: Date.now(),
    windowSeconds,
  });
  if (!check.ok) {
    res.status(401).json({ error: 'Game servers only: sign each batch (x-qf-timestamp, x-qf-signature).', reason: check.reason });
    return;
  }
  const { firestore } = dependencies();
  if (!(await claimSignature(firestore, check.signatureId, new Date(check.timestampMs + 2 * windowSeconds * 1000)))) {
    res.status(409).json({ error: 'This signed batch was already accepted; sign a resend anew.', reason: 'replayed' });
    return;
  }
  try {
    res.status(200).json(await ingestEvents(firestore, req.body));
  } catch (error) {
    const mapped = toHttpsError(error);
    // A transient failure lets the same signed batch be sent again; a refused one stays used.
    if (mapped.code === 'unavailable' || mapped.code === 'internal') await releaseSignature(firestore, check.signatureId).catch(() => undefined);
    const details = (mapped.details ?? {}) as { rule?: string };
    const status = details.rule === 'GAME_TOO_LARGE' ? 413
      : mapped.code === 'invalid-argument' || details.rule === 'INVALID_EVENT' ? 400 : mapped.code === 'failed-precondition' ? 409 : mapped.httpErrorCode.status;
    res.status(status).json({ error: mapped.message, ...(mapped.details ? { details: mapped.details } : {}) });
  }
});

/**
 * Daily: async games idle for IDLE_GAME_HOURS end (time is up), then games that ended in the last day
 * have their projections compared with their logs; mismatches are logged and reported.
 */
export const checkGameProjections = onSchedule({ ...runtimeOptions('checkGameProjections'), schedule: 'every day 06:00', secrets: [DATABASE_URL], timeoutSeconds: 540, retryCount: 0 }, async () => {
  const { firestore } = dependencies();
  const ended = await endIdleGames(firestore, Date.now() - IDLE_GAME_HOURS * 3600_000);
  if (ended.length > 0) logger.info('games.idle_ended', { games: ended.length });
  const report = await checkEndedGames(firestore, Date.now() - 24 * 3600_000);
  if (report.mismatches.length > 0) logger.error('games.projection_mismatch', report);
  else logger.info('games.projection_check', { checked: report.checked });
});

/**
 * Every 5 minutes: finished games whose follow-up (statistics, history, draw memory) a dead or failed
 * call left behind, older than the grace period, are applied from their stored state.
 */
export const sweepGameFollowUps = onSchedule({ ...runtimeOptions('sweepGameFollowUps'), schedule: 'every 5 minutes', secrets: [DATABASE_URL], timeoutSeconds: 300, retryCount: 0 }, async () => {
  const { firestore } = dependencies();
  const result = await sweepFollowUps(firestore, Date.now() - FOLLOW_UP_GRACE_MS);
  if (result.failed.length > 0) logger.error('games.follow_up_failed', { failed: result.failed });
  if (result.applied.length > 0) logger.info('games.follow_up_swept', { games: result.applied.length });
});
