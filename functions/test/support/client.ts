import { testStack } from './stack';

// The mobile app's view: Auth emulator sign-in and the callable protocol over HTTP.

export type SignedIn = { uid: string; idToken: string };

export async function signUp(email = `player-${Math.random().toString(36).slice(2)}@example.com`): Promise<SignedIn> {
  const response = await fetch(`${testStack().urls.auth}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo-api-key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'password-123', returnSecureToken: true }),
  });
  const body = (await response.json()) as { localId: string; idToken: string };
  if (!response.ok) throw new Error(`sign-up failed: ${JSON.stringify(body)}`);
  return { uid: body.localId, idToken: body.idToken };
}

export type CallableResult<T> = { ok: true; result: T } | { ok: false; status: string; message: string; httpStatus: number; details?: unknown };

export async function callFunction<T = unknown>(name: string, data: unknown, user?: SignedIn, headers: Record<string, string> = {}): Promise<CallableResult<T>> {
  const response = await fetch(`${testStack().urls.functions}/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(user ? { authorization: `Bearer ${user.idToken}` } : {}), ...headers },
    body: JSON.stringify({ data }),
  });
  const body = (await response.json()) as { result?: T; error?: { status: string; message: string; details?: unknown } };
  if (body.error) return { ok: false, status: body.error.status, message: body.error.message, httpStatus: response.status, ...(body.error.details === undefined ? {} : { details: body.error.details }) };
  return { ok: true, result: body.result as T };
}

export async function callOrThrow<T>(name: string, data: unknown, user?: SignedIn): Promise<T> {
  const outcome = await callFunction<T>(name, data, user);
  if (!outcome.ok) throw new Error(`${name} failed: ${outcome.status}: ${outcome.message}`);
  return outcome.result;
}

/** Delivers a task to the task function as Cloud Tasks would (again, if the test wants a replay). */
export async function deliverTask(name: string, data: unknown): Promise<number> {
  const response = await fetch(`${testStack().urls.functions}/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data }),
  });
  await response.text();
  return response.status;
}

/** Cloud Tasks treats any 2xx as an acknowledgement. */
export async function deliverTaskAcknowledged(name: string, data: unknown): Promise<boolean> {
  const status = await deliverTask(name, data);
  return status >= 200 && status < 300;
}

/** Signs in an existing account (the seeded demo accounts, emulator-data/). */
export async function signIn(email: string, password: string): Promise<SignedIn> {
  const response = await fetch(`${testStack().urls.auth}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo-api-key`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  const body = (await response.json()) as { localId: string; idToken: string };
  if (!response.ok) throw new Error(`sign-in failed: ${JSON.stringify(body)}`);
  return { uid: body.localId, idToken: body.idToken };
}

/** What Cloud Scheduler does, as the emulator exposes it. */
export async function triggerScheduled(name: string): Promise<number> {
  const { projectId, region, urls } = testStack();
  const response = await fetch(`${new URL(urls.functions).origin}/functions/projects/${projectId}/triggers/${region}-${name}-0`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  await response.text();
  return response.status;
}

/** One operation of a call as the functions counted it (src/shared/roundTrips.ts). */
export type CountedOperation = { dependency: 'postgres' | 'firestore' | 'tasks' | 'model'; operation: string; depth: number; background?: true };
export type RoundTrips = { criticalPath: number; total: number; byDependency: Record<string, number>; operations: CountedOperation[] };

/**
 * A callable call that asks the emulated function for its round trips (the test stack runs with
 * TEST_INSTRUMENTATION on): dependency calls on the critical path, and in all.
 */
export async function callCountingRoundTrips<T = unknown>(name: string, data: unknown, user?: SignedIn): Promise<{ outcome: CallableResult<T>; roundTrips: RoundTrips }> {
  const response = await fetch(`${testStack().urls.functions}/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-qf-round-trips': '1', ...(user ? { authorization: `Bearer ${user.idToken}` } : {}) },
    body: JSON.stringify({ data }),
  });
  const header = response.headers.get('x-qf-round-trips');
  const body = (await response.json()) as { result?: T; error?: { status: string; message: string; details?: unknown } };
  if (!header) throw new Error(`${name} reported no round trips (is TEST_INSTRUMENTATION on in the test stack?)`);
  const outcome: CallableResult<T> = body.error
    ? { ok: false, status: body.error.status, message: body.error.message, httpStatus: response.status }
    : { ok: true, result: body.result as T };
  return { outcome, roundTrips: JSON.parse(header) as RoundTrips };
}
