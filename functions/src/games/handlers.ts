import { onCall } from 'firebase-functions/v2/https';
import { audited } from '../admin/audit';
import { dependencies } from '../config/dependencies';
import { DATABASE_URL } from '../config/params';
import { requireRole, requireUid, withHttpsErrors } from '../shared/httpsErrors';
import { parseInput } from '../shared/validation';
import { gameRefInput } from './contract';
import { rebuildGame as rebuild } from './gameLog';
import { createGame as create, joinGame as join, nextQuestion as next, startGame as start, submitAnswer as submit } from './play';

const options = { secrets: [DATABASE_URL], concurrency: 80 };

export const createGame = onCall(options, async (request) => {
  const uid = requireUid(request.auth);
  return withHttpsErrors(() => create(dependencies(), uid, request.data));
});

export const joinGame = onCall(options, async (request) => {
  const uid = requireUid(request.auth);
  return withHttpsErrors(() => join(dependencies(), uid, request.data));
});

export const startGame = onCall(options, async (request) => {
  const uid = requireUid(request.auth);
  return withHttpsErrors(() => start(dependencies(), uid, request.data));
});

export const nextQuestion = onCall(options, async (request) => {
  const uid = requireUid(request.auth);
  return withHttpsErrors(() => next(dependencies(), uid, request.data));
});

export const submitAnswer = onCall(options, async (request) => {
  const uid = requireUid(request.auth);
  return withHttpsErrors(() => submit(dependencies(), uid, request.data));
});

/** Admin: fold a game's log and rewrite its state and projection. */
export const rebuildGame = onCall({ secrets: [DATABASE_URL] }, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(async () => {
    const { gameId } = parseInput(gameRefInput, request.data);
    const deps = dependencies();
    return audited(deps.db, actor, 'rebuildGame', { target: gameId, params: request.data }, async () => ({ gameId, ...(await rebuild(deps.firestore, gameId)) }));
  });
});
