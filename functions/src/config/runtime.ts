// Options shared by every function. Imported at the top of each handlers.ts: setGlobalOptions must
// run before any onCall/onSchedule/… call, which reads the global options when it defines a function.
import { setGlobalOptions } from 'firebase-functions/v2';
import { RUNTIME_CLASSES } from './capacity';
import { FUNCTIONS_REGION } from './params';

// The one place the region is set: the task queue path (config/dependencies.ts) reads the same param.
// Functions not listed in capacity.ts get the admin class's limits.
setGlobalOptions({ region: FUNCTIONS_REGION, maxInstances: RUNTIME_CLASSES.admin.maxInstances, concurrency: RUNTIME_CLASSES.admin.concurrency });

export { runtimeOptions } from './capacity';

/**
 * APP_CHECK_ENFORCE as the callable options need it when the function is defined. Firebase exposes
 * a param's value to the runtime as an environment variable; reading it here rather than passing the
 * param (which onCall would evaluate with .value() while `firebase deploy` inspects the code, warning
 * each time) gives the same answer at run time. Unset (deploy-time inspection) counts as on.
 */
export function appCheckEnforced(): boolean {
  return process.env.APP_CHECK_ENFORCE?.trim().toLowerCase() !== 'false';
}
