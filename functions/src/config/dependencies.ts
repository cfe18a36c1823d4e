import { logger } from 'firebase-functions';
import type { OverviewDeps } from '../admin/overview';
import { firebaseGenerationTaskQueue, type GenerationTaskQueue } from '../generation/taskQueue';
import { getFirestoreDb } from '../shared/firebase';
import { getDatabase } from './database';
import { FactsGenerator } from '../questions/facts/factsGenerator';
import type { QuestionGenerator } from '../questions/generator';
import { OpenAIGenerator } from '../questions/openai/openaiGenerator';
import { OpenAIVerifier, type QuestionVerifier } from '../questions/openai/verifier';
import { OpenAIEmbedder } from '../questions/openai/embedder';
import { PromptEmbeddingStore } from '../pools/promptEmbeddings';
import { loadTrendingItems } from '../discovery/trending/loadTrendingItems';
import { TrendingFactsGenerator } from '../discovery/trending/trendingGenerator';
import * as params from './params';
import { parsePriceTable, priceOf, type PriceTable } from '../batches/costs';
import { mirrorBatchesOfRequest } from '../batches/batchMirror';
import type { BatchApiConfig } from '../batches/openaiBatch/batchApiJob';
import OpenAI from 'openai';
import { clampTtl, IDS_TTL_BOUNDS_MS, PoolCache, QUESTIONS_TTL_BOUNDS_MS } from '../pools/poolCache';
import { firestorePoolReader } from '../pools/poolStore';

// Built on first use, inside a request, where params and secrets have values; reused by every
// later invocation on the same instance.
let queue: GenerationTaskQueue | undefined;
let poolCache: PoolCache | undefined;
let generators: QuestionGenerator[] | undefined;
let prices: PriceTable | undefined;
let batchApi: BatchApiConfig | null | undefined;
let verifier: QuestionVerifier | null | undefined;
let embeddings: PromptEmbeddingStore | null | undefined;

/** The Batch API client (bulk work at half price), when a key is set. */
function buildBatchApi(): BatchApiConfig | undefined {
  const apiKey = secretOrUndefined(params.OPENAI_API_KEY);
  if (!apiKey) return undefined;
  return {
    client: new OpenAI({ apiKey, baseURL: params.OPENAI_BASE_URL.value() || undefined, maxRetries: 2, timeout: 120_000 }),
    model: params.OPENAI_MODEL.value(),
    questionsPerCall: params.OPENAI_QUESTIONS_PER_CALL.value(),
    maxFailures: params.BATCH_API_MAX_FAILURES.value(),
    // Verified questions are first looked at through the Batch API as well (issue 17 §1).
    ...(params.VERIFY_MODEL_QUESTIONS.value() ? { verifier: { model: params.VERIFIER_MODEL.value(), questionsPerCall: params.VERIFIER_QUESTIONS_PER_CALL.value() } } : {}),
  };
}

function secretOrUndefined(secret: { value(): string }): string | undefined {
  try {
    const value = secret.value();
    return value && value !== 'none' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The verifier of model-written questions, when a key is set and verification is on. */
function buildVerifier(): QuestionVerifier | undefined {
  const apiKey = secretOrUndefined(params.OPENAI_API_KEY);
  if (!apiKey || !params.VERIFY_MODEL_QUESTIONS.value()) return undefined;
  return new OpenAIVerifier({
    apiKey,
    baseURL: params.OPENAI_BASE_URL.value() || undefined,
    model: params.VERIFIER_MODEL.value(),
    questionsPerCall: params.VERIFIER_QUESTIONS_PER_CALL.value(),
    timeoutMs: params.OPENAI_TIMEOUT_SECONDS.value() * 1000,
  });
}

/** Prompt embeddings for the near-duplicate screen, when NEAR_DUPLICATE_METHOD=embeddings and a key is set. */
function buildEmbeddings(): PromptEmbeddingStore | undefined {
  const apiKey = secretOrUndefined(params.OPENAI_API_KEY);
  if (!apiKey || params.NEAR_DUPLICATE_METHOD.value() !== 'embeddings') return undefined;
  const embedder = new OpenAIEmbedder({
    apiKey,
    baseURL: params.OPENAI_BASE_URL.value() || undefined,
    model: params.EMBEDDING_MODEL.value(),
    timeoutMs: params.OPENAI_TIMEOUT_SECONDS.value() * 1000,
  });
  return new PromptEmbeddingStore(embedder, params.NEAR_DUPLICATE_COSINE_PERCENT.value() / 100);
}

/** Facts first (free, right by construction); OpenAI for everything facts cannot serve. */
function buildGenerators(): QuestionGenerator[] {
  const list: QuestionGenerator[] = [
    new FactsGenerator(),
    new TrendingFactsGenerator((subject) => loadTrendingItems(getDatabase(), subject)),
  ];
  const apiKey = secretOrUndefined(params.OPENAI_API_KEY);
  if (apiKey) {
    list.push(new OpenAIGenerator({
      apiKey,
      baseURL: params.OPENAI_BASE_URL.value() || undefined,
      model: params.OPENAI_MODEL.value(),
      questionsPerCall: params.OPENAI_QUESTIONS_PER_CALL.value(),
      timeoutMs: params.OPENAI_TIMEOUT_SECONDS.value() * 1000,
    }));
  }
  return list;
}

export function dependencies() {
  queue ??= firebaseGenerationTaskQueue('generateQuestionPool', params.FUNCTIONS_REGION.value());
  generators ??= buildGenerators();
  poolCache ??= new PoolCache(firestorePoolReader(getFirestoreDb()), {
    idsTtlMs: clampTtl(params.POOL_IDS_TTL_SECONDS.value() * 1000, IDS_TTL_BOUNDS_MS),
    questionsTtlMs: clampTtl(params.QUESTIONS_TTL_SECONDS.value() * 1000, QUESTIONS_TTL_BOUNDS_MS),
  });
  prices ??= parsePriceTable(params.MODEL_PRICES.value());
  batchApi ??= buildBatchApi() ?? null;
  verifier ??= buildVerifier() ?? null;
  embeddings ??= buildEmbeddings() ?? null;
  const db = getDatabase();
  const firestore = getFirestoreDb();
  const pricing = { prices, model: params.OPENAI_MODEL.value() };
  return {
    db,
    firestore,
    pricing,
    ...(batchApi ? { batchApi } : {}),
    ...(verifier ? { verifier } : {}),
    ...(embeddings ? { embeddings } : {}),
    holdDisputed: params.VERIFY_HOLD_DISPUTED.value(),
    batchApiMinPools: params.BATCH_API_MIN_POOLS.value(),
    onTransition: (requestKey: string) => mirrorBatchesOfRequest({ db, firestore, pricing }, requestKey),
    queue,
    poolCache,
    generators,
    maxAttempts: params.GENERATION_MAX_ATTEMPTS.value(),
    leaseSeconds: params.GENERATION_LEASE_SECONDS.value(),
    failedCooldownSeconds: params.FAILED_COOLDOWN_SECONDS.value(),
    quotas: {
      userDailyRequests: params.QUOTA_USER_DAILY_REQUESTS.value(),
      userDailyTokens: params.QUOTA_USER_DAILY_TOKENS.value(),
      globalDailyTokens: params.GLOBAL_DAILY_TOKEN_BUDGET.value(),
      userPaidInFlight: params.QUOTA_USER_PAID_IN_FLIGHT.value(),
      tokensPerQuestion: params.RESERVE_TOKENS_PER_QUESTION.value(),
    },
    globalDailyTokenBudget: params.GLOBAL_DAILY_TOKEN_BUDGET.value(),
    log: (entry: Record<string, unknown>) => logger.info(String(entry.event ?? 'event'), entry),
  };
}

/** What the admin overview mirror needs (admin/overview.ts). */
export function overviewDeps(): OverviewDeps {
  const deps = dependencies();
  return {
    db: deps.db,
    firestore: deps.firestore,
    tokenBudget: params.GLOBAL_DAILY_TOKEN_BUDGET.value(),
    // The console's "cost today" prices tokens with the same table as requests and batches.
    priceInPerMTok: priceOf(deps.pricing.prices, deps.pricing.model).input,
    priceOutPerMTok: priceOf(deps.pricing.prices, deps.pricing.model).output,
  };
}
