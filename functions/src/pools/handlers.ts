import { onCall } from 'firebase-functions/v2/https';
import { dependencies } from '../config/dependencies';
import { DATABASE_URL } from '../config/params';
import { rateLimiter } from '../config/rateLimiter';
import { requireUid, withHttpsErrors } from '../shared/httpsErrors';
import { checkAnswers as check, drawQuestions as draw } from './drawQuestions';

export const drawQuestions = onCall({ secrets: [DATABASE_URL], concurrency: 80 }, async (request) => {
  const uid = requireUid(request.auth);
  return withHttpsErrors(async () => {
    await rateLimiter().take(uid, 'draws');
    return draw(dependencies(), uid, request.data);
  });
});

export const checkAnswers = onCall({ secrets: [DATABASE_URL], concurrency: 80 }, async (request) => {
  const uid = requireUid(request.auth);
  return withHttpsErrors(async () => {
    await rateLimiter().take(uid, 'answers');
    return { results: await check(dependencies(), uid, request.data) };
  });
});
