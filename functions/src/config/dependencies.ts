import { logger } from 'firebase-functions';
import { firebaseGenerationTaskQueue, type GenerationTaskQueue } from '../generation/taskQueue';
import { getFirestoreDb } from '../shared/firebase';
import { getPostgresPool } from '../shared/postgres';
import { FactsGenerator } from '../questions/facts/factsGenerator';
import type { QuestionGenerator } from '../questions/generator';
import { DATABASE_URL, FUNCTIONS_REGION, GENERATION_LEASE_SECONDS, GENERATION_MAX_ATTEMPTS } from './params';

// Built on first use, inside a request, where params and secrets have values; reused by every
// later invocation on the same instance.
let queue: GenerationTaskQueue | undefined;
const generators: QuestionGenerator[] = [new FactsGenerator()];

export function dependencies() {
  queue ??= firebaseGenerationTaskQueue('generateQuestionPool', FUNCTIONS_REGION.value());
  return {
    db: getPostgresPool(DATABASE_URL.value()),
    firestore: getFirestoreDb(),
    queue,
    generators,
    maxAttempts: GENERATION_MAX_ATTEMPTS.value(),
    leaseSeconds: GENERATION_LEASE_SECONDS.value(),
    log: (entry: Record<string, unknown>) => logger.info(String(entry.event ?? 'event'), entry),
  };
}
