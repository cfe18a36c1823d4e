import { logger } from 'firebase-functions';
import { firebaseGenerationTaskQueue, type GenerationTaskQueue } from '../generation/taskQueue';
import { getFirestoreDb } from '../shared/firebase';
import { getPostgresPool } from '../shared/postgres';
import { FactsGenerator } from '../questions/facts/factsGenerator';
import type { QuestionGenerator } from '../questions/generator';
import { clampTtl, IDS_TTL_BOUNDS_MS, PoolCache, QUESTIONS_TTL_BOUNDS_MS } from '../pools/poolCache';
import { firestorePoolReader } from '../pools/poolStore';
import {
  DATABASE_URL, FUNCTIONS_REGION, GENERATION_LEASE_SECONDS, GENERATION_MAX_ATTEMPTS, POOL_IDS_TTL_SECONDS, QUESTIONS_TTL_SECONDS,
} from './params';

// Built on first use, inside a request, where params and secrets have values; reused by every
// later invocation on the same instance.
let queue: GenerationTaskQueue | undefined;
let poolCache: PoolCache | undefined;
const generators: QuestionGenerator[] = [new FactsGenerator()];

export function dependencies() {
  queue ??= firebaseGenerationTaskQueue('generateQuestionPool', FUNCTIONS_REGION.value());
  poolCache ??= new PoolCache(firestorePoolReader(getFirestoreDb()), {
    idsTtlMs: clampTtl(POOL_IDS_TTL_SECONDS.value() * 1000, IDS_TTL_BOUNDS_MS),
    questionsTtlMs: clampTtl(QUESTIONS_TTL_SECONDS.value() * 1000, QUESTIONS_TTL_BOUNDS_MS),
  });
  return {
    db: getPostgresPool(DATABASE_URL.value()),
    firestore: getFirestoreDb(),
    queue,
    poolCache,
    generators,
    maxAttempts: GENERATION_MAX_ATTEMPTS.value(),
    leaseSeconds: GENERATION_LEASE_SECONDS.value(),
    log: (entry: Record<string, unknown>) => logger.info(String(entry.event ?? 'event'), entry),
  };
}
