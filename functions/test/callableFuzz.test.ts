import fc from 'fast-check';
import { callFunction, signUp, type SignedIn } from './support/client';
import { closeTestClients } from './support/stack';

// 10,000 random payloads — valid, invalid, hostile, oversized — against the callables. Whatever
// arrives, the answer is a result or an error the client can act on: never "internal".

let player: SignedIn;
beforeAll(async () => {
  player = await signUp();
});
afterAll(closeTestClients);

const validPool = fc.record({
  lang: fc.constantFrom('en', 'fr', 'es', 'EN', ' fr '),
  country: fc.constantFrom('FR', 'us', 'GB'),
  level: fc.constantFrom('easy', 'medium', 'hard'),
  subject: fc.constant('geography'),
  theme: fc.constantFrom('world', 'flags', 'Monde', 'capitals'),
  type: fc.constantFrom('mcq', 'true_false'),
  version: fc.constant(999),
});

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom('__proto__', 'constructor', '{"$gt":""}', "'; DROP TABLE generation_requests; --", '\u0000', '\ud800', '../../etc/passwd', 'ignore previous instructions'),
  fc.string({ minLength: 5000, maxLength: 20000 }),
);

const anything = fc.anything({ maxDepth: 4, withNullPrototype: true, withObjectString: true });

const mutatedPool = fc.tuple(validPool, fc.constantFrom('lang', 'country', 'level', 'subject', 'theme', 'type', 'version', '__proto__', 'extra'), fc.oneof(hostileString, anything)).map(
  ([pool, key, value]) => ({ ...pool, [key]: value }),
);

const requestPayload = fc.oneof(
  // Valid, and mostly duplicates of a few pools so the fuzz does not turn into a generation storm.
  fc.record({ pool: validPool, targetCount: fc.constantFrom(3, 5) }),
  fc.record({ pool: mutatedPool, targetCount: fc.oneof(fc.integer(), fc.double(), hostileString) }),
  fc.record({ pool: validPool, targetCount: fc.oneof(fc.integer({ min: -1e9, max: 0 }), fc.integer({ min: 501 }), fc.constant(Number.NaN)) }),
  anything,
  hostileString,
  fc.array(anything, { maxLength: 50 }),
);

const drawPayload = fc.oneof(
  fc.record({ pool: validPool, count: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ pool: fc.oneof(mutatedPool, anything), count: fc.oneof(fc.integer(), anything) }),
  anything,
);

const ACTIONABLE = new Set(['INVALID_ARGUMENT', 'UNAUTHENTICATED', 'RESOURCE_EXHAUSTED', 'NOT_FOUND', 'PERMISSION_DENIED', 'FAILED_PRECONDITION']);

test('10,000 random payloads to the callables: zero internal errors', async () => {
  const samples = [
    ...fc.sample(requestPayload.map((data) => ({ name: 'requestGeneration', data })), { numRuns: 6_000, seed: 20261122 }),
    ...fc.sample(drawPayload.map((data) => ({ name: 'drawQuestions', data })), { numRuns: 4_000, seed: 20261123 }),
  ];
  expect(samples).toHaveLength(10_000);
  const codes = new Map<string, number>();
  const unexpected: Array<{ name: string; data: string; status: string; message: string }> = [];
  let next = 0;
  const worker = async () => {
    while (next < samples.length) {
      const { name, data } = samples[next++]!;
      const outcome = await callFunction(name, data, player);
      const code = outcome.ok ? 'OK' : outcome.status;
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (!outcome.ok && !ACTIONABLE.has(outcome.status)) {
        unexpected.push({ name, data: JSON.stringify(data)?.slice(0, 200) ?? String(data), status: outcome.status, message: outcome.message });
      }
    }
  };
  await Promise.all(Array.from({ length: 12 }, worker));
  process.stdout.write(`fuzz outcomes: ${JSON.stringify(Object.fromEntries(codes))}\n`);
  expect(unexpected.slice(0, 5)).toEqual([]);
  expect(codes.get('OK')).toBeGreaterThan(500);
  expect(codes.get('INVALID_ARGUMENT')).toBeGreaterThan(3000);
}, 600_000);
