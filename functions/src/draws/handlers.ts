import { appCheckEnforced, runtimeOptions } from '../config/runtime';
import { onCall } from 'firebase-functions/v2/https';
import { dependencies } from '../config/dependencies';
import { DATABASE_URL } from '../config/params';
import { rateLimiter } from '../config/rateLimiter';
import { withRoundTripReport } from '../config/roundTripTrace';
import { requireAppCheck } from '../shared/appCheck';
import { requireUid, withHttpsErrors } from '../shared/httpsErrors';
import { checkAnswers as check, drawQuestions as draw } from './drawQuestions';

export const drawQuestions = onCall({ ...runtimeOptions('drawQuestions'), secrets: [DATABASE_URL], enforceAppCheck: appCheckEnforced() }, async (request) => {
  requireAppCheck(request.app, appCheckEnforced());
  const uid = requireUid(request.auth);
  return withRoundTripReport(request.rawRequest, () => withHttpsErrors(() => draw(dependencies(), uid, request.data, () => rateLimiter().take(uid, 'draws'))));
});

export const checkAnswers = onCall({ ...runtimeOptions('checkAnswers'), secrets: [DATABASE_URL], enforceAppCheck: appCheckEnforced() }, async (request) => {
  requireAppCheck(request.app, appCheckEnforced());
  const uid = requireUid(request.auth);
  return withRoundTripReport(request.rawRequest, () => withHttpsErrors(async () => ({
    results: await check(dependencies(), uid, request.data, (answers) => rateLimiter().take(uid, 'answers', answers)),
  })));
});
