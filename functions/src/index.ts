// The deployed functions, one line each. Everything else lives in its capability folder.
export { requestGeneration, generateQuestionPool, retryRequest, generationStats } from './generation/handlers';
export { sweepGenerationRequestsJob as sweepGenerationRequests } from './generation/handlers';
export { drawQuestions, checkAnswers } from './pools/handlers';
export { getDiscovery, discoveryFeed, discoveryStats, refreshDiscoveryNow, discoveryRefresh, discoveryRefreshExpired, discoveryPurge, trendingThemes } from './discovery/handlers';
export { purgeOldRecordsJob as purgeOldRecords } from './retention/handlers';
