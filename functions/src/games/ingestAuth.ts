import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

// A live game server signs each batch: HMAC-SHA256 with GAME_SERVER_SECRET over
// "<unix milliseconds>.<raw body>", sent as `x-qf-timestamp` and `x-qf-signature: v1=<hex>`. A captured
// batch cannot be changed (the body is signed), replayed later (the timestamp must be within the
// window) or replayed within the window (each signature is accepted once: ingest_signatures).

export const TIMESTAMP_HEADER = 'x-qf-timestamp';
export const SIGNATURE_HEADER = 'x-qf-signature';

export function signBatch(secret: string, timestampMs: number | string, rawBody: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampMs}.`).update(rawBody).digest('hex')}`;
}

export type BatchCheck =
  | { ok: true; signatureId: string; timestampMs: number }
  | { ok: false; reason: 'closed' | 'unsigned' | 'expired' | 'bad-signature' };

export function verifyBatch(input: {
  secret: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer | string | undefined;
  nowMs: number;
  windowSeconds: number;
}): BatchCheck {
  // An unset secret ("none" or empty) accepts nothing.
  if (!input.secret || input.secret === 'none') return { ok: false, reason: 'closed' };
  if (!input.timestamp || !/^\d{12,14}$/.test(input.timestamp) || !input.signature || input.rawBody === undefined) return { ok: false, reason: 'unsigned' };
  const timestampMs = Number(input.timestamp);
  if (Math.abs(input.nowMs - timestampMs) > input.windowSeconds * 1000) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(signBatch(input.secret, input.timestamp, input.rawBody));
  const given = Buffer.from(input.signature);
  // Constant time over equal lengths; a length mismatch says nothing about the secret.
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  return { ok: true, signatureId: createHash('sha256').update(input.signature).digest('hex'), timestampMs };
}
