import { signBatch } from '../../src/games/ingestAuth';
import { testStack } from './stack';

// A live game server: POST ingestGameEvents with the batch signed (HMAC of timestamp + body).
export const GAME_SERVER_SECRET = 'test-game-server-secret';

export type IngestReply = { status: number; body: Record<string, unknown> };

export async function postIngest(body: string, headers: Record<string, string>): Promise<IngestReply> {
  const response = await fetch(`${testStack().urls.functions}/ingestGameEvents`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

let lastMs = 0;
/** Now, in ms, never twice the same: a resent batch is signed anew, as a game server does. */
export function freshTimestamp(): number {
  lastMs = Math.max(Date.now(), lastMs + 1);
  return lastMs;
}

/** The headers a game server sends for `body` at `timestampMs` (now by default). */
export function signedHeaders(body: string, timestampMs = freshTimestamp(), secret = GAME_SERVER_SECRET): Record<string, string> {
  return { 'x-qf-timestamp': String(timestampMs), 'x-qf-signature': signBatch(secret, timestampMs, body) };
}

/** Signs and sends one batch; a second call with the same body signs again (a fresh timestamp). */
export async function ingestSigned(batch: unknown): Promise<IngestReply> {
  const body = JSON.stringify(batch);
  return postIngest(body, signedHeaders(body));
}
