import type { Question } from '../questions/question';

// The shapes the pool modules share, in one module that imports none of them, so the store, the
// cache and the state changes depend on these types instead of on each other.

/**
 * Only active questions are dealt. An admin, or the answer statistics, may flag a question for review
 * or remove it; absent means active, so pools written before states existed need no migration.
 */
export type QuestionState = 'active' | 'flagged' | 'removed';

/** A verifier's verdict stored with a model-written question (issue 17 §1). */
export type StoredVerification = { verdict: string; answers: number[]; model: string; tokensIn: number; tokensOut: number };

export type StoredQuestion = Question & { id: string; state?: QuestionState; verification?: StoredVerification };

export type PoolItem = Question & {
  verification?: StoredVerification;
  requestKey: string;
  createdAt: string;
  state?: QuestionState;
  stateReason?: string | null;
  stateBy?: string;
  stateAt?: string;
};

/** Where the cache reads on a miss: Firestore in production, the same functions in tests and bench. */
export type PoolReader = {
  /** Every question of a pool, in one query. */
  wholePool(poolKey: string): Promise<StoredQuestion[]>;
  /** One question, or undefined if it does not exist. */
  question(poolKey: string, id: string): Promise<StoredQuestion | undefined>;
  /** How many questions the pool holds, from its metadata document (one read); 0 if none. */
  poolCount?(poolKey: string): Promise<number>;
};
