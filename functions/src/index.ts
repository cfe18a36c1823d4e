// The deployed functions, one line each. Everything else lives in its capability folder.
export { requestGeneration, generateQuestionPool, retryRequest, generationStats } from './generation/handlers';
export { sweepGenerationRequestsJob as sweepGenerationRequests } from './generation/handlers';
export { drawQuestions, checkAnswers } from './draws/handlers';
export { getDiscovery, discoveryFeed, discoveryStats, refreshDiscoveryNow, discoveryRefresh, discoveryRefreshExpired, discoveryPurge, trendingThemes } from './discovery/handlers';
export { createGame, joinGame, startGame, nextQuestion, submitAnswer, rebuildGame, ingestGameEvents, checkGameProjections, sweepGameFollowUps } from './games/handlers';
export { createBatch, startBatch, cancelBatch, getBatch, listBatches, pollOpenAIBatches } from './batches/handlers';
export {
  adminOverview, adminCharts, adminStatsRefresh, adminListRequests, adminGetRequest, adminRetryRequests, adminCancelRequests, adminListPools, adminListPoolQuestions,
  adminSetQuestionState, adminTopUpPool, adminQueueStatus, adminQueueControl, adminListDiscovery, adminGetDiscoveryEntry, adminListAudit,
  adminListReview, adminReviewKeep, adminReviewFixKey, adminReviewEdit, adminReviewRemove,
} from './admin/handlers';
export { purgeOldRecordsJob as purgeOldRecords } from './retention/handlers';
