// The connection budget and the scaling limits of every function, in one table: Cloud Run scales
// each function on its own, so Postgres sees at most Σ maxInstances × pool connections.
// Pure data and arithmetic (no firebase-functions): unit-tested in test/postgresConnection.test.ts.

/**
 * Connections this app may hold open on the Cloud SQL instance at once. The instance's
 * `max_connections` must be at least this plus what operators use (migrations, psql) and
 * Postgres' reserved superuser slots: see "Connection budget" in docs/capacity.md.
 */
export const CONNECTION_BUDGET = 380;

/** A request of a callable spends most of its time outside Postgres (auth, Firestore, the queue). */
export const DB_TIME_SHARE = 1 / 8;
export const POOL_MIN = 2;
export const POOL_MAX = 10;

export type RuntimeClass = 'mobile' | 'game' | 'task' | 'admin' | 'scheduled' | 'firestoreJob';

type RuntimeLimits = {
  maxInstances: number;
  concurrency: number;
  /** connections one request may hold at once */
  minPool?: number;
  /** Firestore-only functions never open a Postgres connection (pg opens them on first query). */
  usesPostgres?: false;
};

export const RUNTIME_CLASSES: Record<RuntimeClass, RuntimeLimits> = {
  // The app's callables and the public feed: many short requests per instance.
  mobile: { maxInstances: 4, concurrency: 80 },
  // Game callables and the game-server ingest: Firestore only (the log, projections, draw memory).
  game: { maxInstances: 10, concurrency: 80, usesPostgres: false },
  // Generation tasks: 2 × 10 covers the queue's 20 concurrent dispatches.
  task: { maxInstances: 2, concurrency: 10 },
  // Console and CLI callables, and any function not listed below (the global default): a few
  // operators, so one instance each.
  admin: { maxInstances: 1, concurrency: 10 },
  // Crons: one run at a time.
  scheduled: { maxInstances: 1, concurrency: 1 },
  // Crons that touch Firestore only.
  firestoreJob: { maxInstances: 1, concurrency: 1, usesPostgres: false },
};

/** Every deployed function (as `firebase deploy` names it) and its class. */
export const FUNCTION_CLASSES: Record<string, RuntimeClass> = {
  requestGeneration: 'mobile',
  drawQuestions: 'mobile',
  checkAnswers: 'mobile',
  getDiscovery: 'mobile',
  discoveryFeed: 'mobile',
  createGame: 'game',
  joinGame: 'game',
  startGame: 'game',
  nextQuestion: 'game',
  submitAnswer: 'game',
  ingestGameEvents: 'game',
  generateQuestionPool: 'task',
  retryRequest: 'admin',
  adminCharts: 'admin',
  generationStats: 'admin',
  discoveryStats: 'admin',
  refreshDiscoveryNow: 'admin',
  rebuildGame: 'admin',
  createBatch: 'admin',
  startBatch: 'admin',
  cancelBatch: 'admin',
  getBatch: 'admin',
  listBatches: 'admin',
  adminOverview: 'admin',
  adminListRequests: 'admin',
  adminGetRequest: 'admin',
  adminRetryRequests: 'admin',
  adminCancelRequests: 'admin',
  adminListPools: 'admin',
  adminListPoolQuestions: 'admin',
  adminSetQuestionState: 'admin',
  adminTopUpPool: 'admin',
  adminListReview: 'admin',
  adminReviewKeep: 'admin',
  adminReviewFixKey: 'admin',
  adminReviewEdit: 'admin',
  adminReviewRemove: 'admin',
  adminQueueStatus: 'admin',
  adminQueueControl: 'admin',
  adminListDiscovery: 'admin',
  adminGetDiscoveryEntry: 'admin',
  adminListAudit: 'admin',
  sweepGenerationRequests: 'scheduled',
  discoveryRefreshExpired: 'scheduled',
  discoveryPurge: 'scheduled',
  trendingThemes: 'scheduled',
  adminStatsRefresh: 'scheduled',
  purgeOldRecords: 'scheduled',
  pollOpenAIBatches: 'scheduled',
  checkGameProjections: 'firestoreJob',
  sweepGameFollowUps: 'firestoreJob',
  // discoveryRefresh-<id>: one per schedule row, matched by prefix in classOfFunction.
};
const GROUPED_SCHEDULED = ['discoveryRefresh-'];

/** Pool per instance: enough connections for the requests that hold one at a time, within bounds. */
export function poolSizeFor(concurrency: number, minPool = POOL_MIN): number {
  return Math.min(POOL_MAX, Math.max(minPool, POOL_MIN, Math.ceil(concurrency * DB_TIME_SHARE)));
}

function poolOf(limits: RuntimeLimits): number {
  if (limits.usesPostgres === false) return 0;
  return poolSizeFor(limits.concurrency, limits.minPool);
}

/** `FUNCTION_TARGET` is the entry point (`discoveryRefresh.tmdbTrending` for grouped exports). */
export function classOfFunction(name: string | undefined): RuntimeClass {
  const normalized = (name ?? '').replace(/\./g, '-');
  const listed = FUNCTION_CLASSES[normalized];
  if (listed) return listed;
  if (GROUPED_SCHEDULED.some((prefix) => normalized.startsWith(prefix))) return 'scheduled';
  return 'admin';
}

/** Options every function definition spreads in: its class's limits. */
export function runtimeOptions(name: string): { maxInstances: number; concurrency: number } {
  const { maxInstances, concurrency } = RUNTIME_CLASSES[classOfFunction(name)];
  return { maxInstances, concurrency };
}

/** Pool size for the function this process serves. */
export function poolSizeForFunction(name: string | undefined): number {
  // A Firestore-only function that does reach Postgres (an audit row) still gets a minimal pool.
  return Math.max(1, poolOf(RUNTIME_CLASSES[classOfFunction(name)]));
}

/** Worst case: every instance of every function at its maximum, each with a full pool. */
export function connectionsNeeded(functionNames: string[]): { total: number; byFunction: Record<string, number> } {
  const byFunction: Record<string, number> = {};
  for (const name of functionNames) {
    const limits = RUNTIME_CLASSES[classOfFunction(name)];
    byFunction[name] = limits.maxInstances * poolOf(limits);
  }
  return { total: Object.values(byFunction).reduce((a, b) => a + b, 0), byFunction };
}
