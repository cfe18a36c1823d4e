import { randomBytes } from 'node:crypto';
import { runGenerationTask, type RunDeps } from '../src/generation/runGenerationTask';
import { upsertGenerationRequest } from '../src/generation/queries/upsertGenerationRequest';
import { PromptEmbeddingStore } from '../src/pools/promptEmbeddings';
import { readPoolForScreening } from '../src/pools/poolStore';
import { screenCandidates, screenablePrompts } from '../src/pools/qualityGate';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { OpenAIEmbedder } from '../src/questions/openai/embedder';
import { OpenAIGenerator } from '../src/questions/openai/openaiGenerator';
import { generationRequestSchema, poolKeyOf, requestKeyOf } from '../src/questions/poolParams';
import { UnavailableError } from '../src/shared/errors';
import { embeddingCalls, injectFaults } from './support/fakeOpenAI';
import { uniquePool } from './support/pools';
import { closeTestClients, testDb, testFirestore, testStack } from './support/stack';

// The embeddings path of the near-duplicate screen (issue 17 §6): the fake's /v1/embeddings speaks
// the API's protocol, the screen catches a paraphrase the lexical detector misses, embedding tokens
// are charged with the writer's, and an embeddings outage is retried, never screened without.

afterAll(closeTestClients);

const embedModel = () => `embed-${randomBytes(4).toString('hex')}`;
const embedder = (model: string) => new OpenAIEmbedder({ apiKey: 'k', baseURL: testStack().openaiUrl, model, timeoutMs: 10_000 });
const question = (prompt: string, choices: string[], answerIndex = 0) => ({ prompt, choices, answerIndex, explanation: 'Because.', difficulty: 'easy', source: 'openai', model: 'test' });

describe('embeddings near-duplicate path', () => {
  test('the fake answers /v1/embeddings as the API does: one unit vector per input, in order, with usage', async () => {
    const model = embedModel();
    const response = await fetch(`${testStack().openaiUrl}/embeddings`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model, input: ['Which animal is the fastest on land?', 'What is the quickest land creature?'], encoding_format: 'float', dimensions: 256 }),
    });
    const body = (await response.json()) as { object: string; model: string; data: Array<{ object: string; index: number; embedding: number[] }>; usage: { prompt_tokens: number; total_tokens: number } };
    expect(body).toMatchObject({ object: 'list', model, data: [{ object: 'embedding', index: 0 }, { object: 'embedding', index: 1 }] });
    expect(body.data[0]!.embedding).toHaveLength(256);
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens);

    // Through the SDK (base64 on the wire by default): unit vectors; a paraphrase is closer than another question.
    const { vectors, tokens, calls } = await embedder(model).embed(['Which animal is the fastest on land?', 'What is the quickest land creature?', 'Which animal is the largest on land?']);
    expect(calls).toBe(1);
    expect(vectors).toHaveLength(3);
    expect(vectors[0]).toHaveLength(1536);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, value, i) => sum + value * b[i]!, 0);
    expect(dot(vectors[0]!, vectors[0]!)).toBeCloseTo(1, 5);
    expect(dot(vectors[0]!, vectors[1]!)).toBeGreaterThan(0.6);
    expect(dot(vectors[0]!, vectors[1]!)).toBeGreaterThan(dot(vectors[1]!, vectors[2]!));
    expect(await embeddingCalls(model)).toEqual({ calls: 2, inputs: 5, tokens: body.usage.prompt_tokens + tokens });
  });

  test('catches a rewording the lexical detector misses, and keeps apart questions whose answers differ', async () => {
    const pool = [{ id: 'cheetah', ...question('Which animal is the fastest on land?', ['Cheetah', 'Lion', 'Horse']) }];
    const candidates = [
      question('What is the quickest land creature?', ['Greyhound', 'Cheetah', 'Pronghorn'], 1),
      question('Which animal is the largest on land?', ['African elephant', 'Hippopotamus', 'Giraffe']),
    ];
    const lexical = screenCandidates({ lang: 'en', pool, candidates, limit: 10 });
    expect(lexical.accepted).toHaveLength(2);

    const store = new PromptEmbeddingStore(embedder(embedModel()), 0.4);
    const spent = await store.prepare(screenablePrompts({ lang: 'en', pool, candidates }));
    expect(spent.tokens).toBeGreaterThan(0);
    const embedded = screenCandidates({ lang: 'en', pool, candidates, limit: 10, embeddings: store.lookup() });
    expect(embedded.accepted.map((q) => q.prompt)).toEqual(['Which animal is the largest on land?']);
    expect(embedded.rejected).toEqual({ 'near-duplicate': 1 });
    // Embedded once per instance: the same prompts cost nothing the second time.
    expect(await store.prepare(screenablePrompts({ lang: 'en', pool, candidates }))).toEqual({ tokens: 0, calls: 0 });
  });

  /** A model request inserted without a task (only this test's runs touch it), and run deps with or without embeddings. */
  async function modelRequest(model?: string) {
    const uid = `embed-user-${randomBytes(4).toString('hex')}`;
    // Themes of one length: the fake writes the same questions at the same token counts for each.
    const request = generationRequestSchema.parse({ pool: uniquePool({ subject: 'history', theme: `embed ${randomBytes(3).toString('hex')}` }), targetCount: 6 });
    const requestKey = requestKeyOf(request);
    await upsertGenerationRequest(testDb(), {
      requestKey, poolKey: poolKeyOf(request.pool), params: request.pool, targetCount: 6, maxAttempts: 3, uid,
      quotas: { userDailyRequests: 1e6, userDailyTokens: 1e12, globalDailyTokens: 1e15 },
    });
    const deps: RunDeps = {
      db: testDb(),
      firestore: testFirestore(),
      generators: [new FactsGenerator(), new OpenAIGenerator({ apiKey: 'k', baseURL: testStack().openaiUrl, model: 'fake-model', questionsPerCall: 10, timeoutMs: 10_000 })],
      leaseSeconds: 60,
      globalDailyTokenBudget: 1e15,
      ...(model ? { embeddings: new PromptEmbeddingStore(embedder(model), 0.4) } : {}),
    };
    const row = async () => (await testDb().query('SELECT * FROM generation_requests WHERE request_key = $1', [requestKey])).rows[0];
    return { uid, request, requestKey, deps, row };
  }

  test('a request pays for its embeddings on top of the same writer tokens as without them', async () => {
    const model = embedModel();
    const withEmbeddings = await modelRequest(model);
    const without = await modelRequest();
    await expect(runGenerationTask(withEmbeddings.deps, withEmbeddings.requestKey)).resolves.toMatchObject({ outcome: 'done', generated: 6 });
    await expect(runGenerationTask(without.deps, without.requestKey)).resolves.toMatchObject({ outcome: 'done', generated: 6 });
    const [a, b] = [await withEmbeddings.row(), await without.row()];
    const fake = await embeddingCalls(model);
    expect(fake.tokens).toBeGreaterThan(0);
    expect(Number(a.tokens_in) - Number(b.tokens_in)).toBe(fake.tokens);
    expect(Number(a.tokens_out)).toBe(Number(b.tokens_out));
    expect(b.result.embeddings).toBeUndefined();
  });

  test('embedding tokens are charged to the request, its user and the global budget; an outage is retried, never screened without', async () => {
    const model = embedModel();
    const { uid, request, requestKey, deps, row } = await modelRequest(model);
    const userTokens = async () => {
      const { rows } = await testDb().query(`SELECT tokens FROM usage_daily WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = $1`, [`user:${uid}`]);
      return Number(rows[0]?.tokens ?? 0);
    };
    const globalTokens = async () => {
      const { rows } = await testDb().query(`SELECT tokens FROM usage_daily WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = 'global'`);
      return Number(rows[0]?.tokens ?? 0);
    };

    await injectFaults(`embeddings:${model}`, [{ kind: 'status', status: 503 }]);
    const globalBefore = await globalTokens();
    await expect(runGenerationTask(deps, requestKey)).rejects.toBeInstanceOf(UnavailableError);
    const failed = await row();
    expect(failed.status).toBe('pending');
    expect(failed.last_error).toMatch(/model error 503/);
    // The writer's batch was billed and is charged; nothing reached the pool unscreened.
    expect(Number(failed.tokens_in)).toBeGreaterThan(0);
    expect(await readPoolForScreening(testFirestore(), poolKeyOf(request.pool))).toHaveLength(0);
    expect(await userTokens()).toBe(Number(failed.tokens_in) + Number(failed.tokens_out));

    await expect(runGenerationTask(deps, requestKey)).resolves.toMatchObject({ outcome: 'done', generated: 6 });
    const done = await row();
    const fake = await embeddingCalls(model);
    expect(done.result.embeddings).toEqual({ model, calls: fake.calls, tokens: fake.tokens });
    expect(fake.tokens).toBeGreaterThan(0);
    // Embedding tokens are input tokens of the request, its user and the global budget, beside the writer's.
    const charged = Number(done.tokens_in) + Number(done.tokens_out);
    expect(await userTokens()).toBe(charged);
    expect(await globalTokens()).toBeGreaterThanOrEqual(globalBefore + charged);
    expect(Number(done.tokens_in)).toBeGreaterThan(fake.tokens);
    expect(await readPoolForScreening(testFirestore(), poolKeyOf(request.pool))).toHaveLength(6);
  });
});
