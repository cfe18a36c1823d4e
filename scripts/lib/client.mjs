// What the mobile app does, over plain HTTP: sign in against the Auth emulator and call callables.
export async function signIn(authUrl, email, password) {
  const url = `${authUrl}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo-api-key`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`sign-in of ${email} failed: ${JSON.stringify(body.error ?? body)}`);
  return { uid: body.localId, idToken: body.idToken };
}

export class CallableError extends Error {
  constructor(name, status, message, details) {
    super(`${name}: ${status}: ${message}`);
    this.status = status;
    this.details = details;
  }
}

/** The callable protocol: POST {data}, answer {result} or {error: {status, message}}. */
export async function call(functionsUrl, name, data, idToken) {
  const response = await fetch(`${functionsUrl}/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(idToken ? { authorization: `Bearer ${idToken}` } : {}) },
    body: JSON.stringify({ data }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CallableError(name, `HTTP ${response.status}`, text.slice(0, 200));
  }
  if (body.error) throw new CallableError(name, body.error.status, body.error.message, body.error.details);
  return body.result;
}
