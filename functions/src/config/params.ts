// Every runtime setting, declared once through Firebase params so `firebase deploy` asks for
// missing values and secrets never live in the repo.
import { defineBoolean, defineInt, defineSecret, defineString } from 'firebase-functions/params';

/**
 * Postgres connection string when CLOUD_SQL_INSTANCE is empty (the local stack writes it to
 * functions/.secret.local); with Cloud SQL, `none` (IAM auth) or postgres://user:password@cloudsql/db
 * (PASSWORD auth: only its user, password and database are used).
 */
export const DATABASE_URL = defineSecret('DATABASE_URL');

// Cloud SQL through the Cloud SQL connector (shared/postgresTarget.ts chooses).
export const CLOUD_SQL_INSTANCE = defineString('CLOUD_SQL_INSTANCE', {
  default: '',
  description: 'Cloud SQL instance connection name (project:region:instance); empty = use the DATABASE_URL secret.',
});
export const CLOUD_SQL_AUTH = defineString('CLOUD_SQL_AUTH', {
  default: 'IAM',
  description: 'IAM (database user = the runtime service account) or PASSWORD (user and password from DATABASE_URL).',
  input: { select: { options: [{ value: 'IAM' }, { value: 'PASSWORD' }] } },
});
export const CLOUD_SQL_IP_TYPE = defineString('CLOUD_SQL_IP_TYPE', {
  default: 'PUBLIC',
  description: 'Which address of the instance the connector dials: PUBLIC, PRIVATE (VPC) or PSC.',
  input: { select: { options: [{ value: 'PUBLIC' }, { value: 'PRIVATE' }, { value: 'PSC' }] } },
});
export const CLOUD_SQL_USER = defineString('CLOUD_SQL_USER', {
  default: '',
  description: 'IAM auth: the runtime service account email (its database user).',
});
export const CLOUD_SQL_DATABASE = defineString('CLOUD_SQL_DATABASE', { default: 'question_factory', description: 'Database name on the Cloud SQL instance.' });

/** App Check on the mobile callables; the local and test stacks set it to false. */
export const APP_CHECK_ENFORCE = defineBoolean('APP_CHECK_ENFORCE', {
  default: true,
  description: 'Refuse mobile callables without a valid App Check token (false only for local stacks).',
});

/** OpenAI key; "none" (the local default) leaves only the offline facts generator. */
export const OPENAI_API_KEY = defineSecret('OPENAI_API_KEY');

export const OPENAI_BASE_URL = defineString('OPENAI_BASE_URL', {
  default: '',
  description: 'Base URL of an OpenAI-compatible API; empty for api.openai.com.',
});

export const OPENAI_MODEL = defineString('OPENAI_MODEL', { default: 'gpt-4o-mini', description: 'Model that writes questions.' });

export const OPENAI_QUESTIONS_PER_CALL = defineInt('OPENAI_QUESTIONS_PER_CALL', {
  default: 25,
  description: 'Questions asked of one model call; larger targets take several calls.',
});

/** Independent verification of model-written questions (issue 17 §1). */
export const VERIFY_MODEL_QUESTIONS = defineBoolean('VERIFY_MODEL_QUESTIONS', {
  default: true,
  description: 'Check every model-written question blind (shuffled choices, no key) with a separate call before it is stored.',
});

export const VERIFIER_MODEL = defineString('VERIFIER_MODEL', {
  default: 'gpt-4.1-nano',
  description: 'Model that verifies model-written questions (its own prompt, temperature 0); cheaper than the writer by default.',
});

export const VERIFIER_QUESTIONS_PER_CALL = defineInt('VERIFIER_QUESTIONS_PER_CALL', {
  default: 25,
  description: 'Questions checked by one verifier call (the static prompt is cached across calls).',
});

export const VERIFY_HOLD_DISPUTED = defineBoolean('VERIFY_HOLD_DISPUTED', {
  default: false,
  description: 'Hold questions the verifier disputes for review (kept with the request) instead of rejecting them.',
});

/** Near-duplicate screening of model-written questions (issue 17 §6). */
export const NEAR_DUPLICATE_METHOD = defineString('NEAR_DUPLICATE_METHOD', {
  default: 'lexical',
  description: 'How model-written candidates are compared with their pool: lexical (offline, free) or embeddings (adds paraphrases by embedding cosine; paid, needs OPENAI_API_KEY).',
  input: { select: { options: [{ value: 'lexical' }, { value: 'embeddings' }] } },
});

export const EMBEDDING_MODEL = defineString('EMBEDDING_MODEL', {
  default: 'text-embedding-3-small',
  description: 'Embedding model of NEAR_DUPLICATE_METHOD=embeddings (same client and base URL as the writer).',
});

export const NEAR_DUPLICATE_COSINE_PERCENT = defineInt('NEAR_DUPLICATE_COSINE_PERCENT', {
  default: 40,
  description: 'Embedding cosine (in percent) at or above which two questions whose answers and names agree are one (tuned on the tuning set against the simulated model; re-tune for a real one).',
});

export const OPENAI_TIMEOUT_SECONDS = defineInt('OPENAI_TIMEOUT_SECONDS', {
  default: 120,
  description: 'Ceiling on one model call (always shortened to end inside the lease).',
});

export const GENERATION_LEASE_SECONDS = defineInt('GENERATION_LEASE_SECONDS', {
  default: 300,
  description: 'Lease on a generation request; also the task function timeout (max 1800).',
});

export const GENERATION_MAX_ATTEMPTS = defineInt('GENERATION_MAX_ATTEMPTS', {
  default: 5,
  description: 'Attempts before a generation request is marked failed.',
});

export const FAILED_COOLDOWN_SECONDS = defineInt('FAILED_COOLDOWN_SECONDS', {
  default: 3600,
  description: 'After this long, an identical request reopens a failed one.',
});

export const QUOTA_USER_DAILY_REQUESTS = defineInt('QUOTA_USER_DAILY_REQUESTS', {
  default: 50,
  description: 'New generation requests per user per UTC day (duplicates are free).',
});

export const QUOTA_USER_DAILY_TOKENS = defineInt('QUOTA_USER_DAILY_TOKENS', {
  default: 200_000,
  description: 'Model tokens per user per UTC day.',
});

export const QUOTA_USER_PAID_IN_FLIGHT = defineInt('QUOTA_USER_PAID_IN_FLIGHT', {
  default: 3,
  description: 'Paid (model) generation requests one user may have accepted and not yet finished.',
});

export const RESERVE_TOKENS_PER_QUESTION = defineInt('RESERVE_TOKENS_PER_QUESTION', {
  default: 150,
  description: 'Tokens reserved per requested question of new model work until finished work has measured the real figure (a moving average then).',
});

export const GLOBAL_DAILY_TOKEN_BUDGET = defineInt('GLOBAL_DAILY_TOKEN_BUDGET', {
  default: 5_000_000,
  description: 'Model tokens for everyone per UTC day; new model work stops cleanly beyond it.',
});

export const FUNCTIONS_REGION = defineString('FUNCTIONS_REGION', {
  default: 'us-central1',
  description: 'Region of every function (setGlobalOptions) and so of the generation task queue.',
});

// Discovery cache (issue #5). Base URLs are params so tests and staging can point at other hosts.
export const CACHE_MODE = defineString('CACHE_MODE', {
  default: 'hybrid',
  description: 'Discovery reads: hybrid (cache-aside), api_only (always the provider), db_only (never the provider).',
  input: { select: { options: [{ value: 'hybrid' }, { value: 'api_only' }, { value: 'db_only' }] } },
});
export const DISCOVERY_TIMEZONE = defineString('DISCOVERY_TIMEZONE', {
  default: 'Europe/Paris',
  description: 'Time zone of the staggered discovery refresh schedule.',
});
export const DISCOVERY_UPSTREAM_TIMEOUT_MS = defineInt('DISCOVERY_UPSTREAM_TIMEOUT_MS', { default: 8000, description: 'Timeout of one provider request.' });
export const DISCOVERY_MAX_RETRY_AFTER_SECONDS = defineInt('DISCOVERY_MAX_RETRY_AFTER_SECONDS', {
  default: 5,
  description: 'A 429 Retry-After up to this long is waited out; longer ones pause the provider and serve stale.',
});
export const DISCOVERY_STATS_FLUSH_SECONDS = defineInt('DISCOVERY_STATS_FLUSH_SECONDS', { default: 30, description: 'How often an instance writes its batched hit counters.' });
export const DISCOVERY_FEED_PER_MINUTE = defineInt('DISCOVERY_FEED_PER_MINUTE', {
  default: 120,
  description: 'discoveryFeed (public GET) requests per client address per minute, per instance (the burst a full bucket allows).',
});
export const DISCOVERY_FEED_PROXY_HOPS = defineInt('DISCOVERY_FEED_PROXY_HOPS', {
  default: 0,
  description: 'Trusted proxies that append to X-Forwarded-For in front of discoveryFeed; 0 keys buckets by the socket peer (entries a caller sent are never trusted).',
});
export const TMDB_BASE_URL = defineString('TMDB_BASE_URL', { default: 'https://api.themoviedb.org/3' });
export const JIKAN_BASE_URL = defineString('JIKAN_BASE_URL', { default: 'https://api.jikan.moe/v4' });
export const RAWG_BASE_URL = defineString('RAWG_BASE_URL', { default: 'https://api.rawg.io/api' });
export const IGDB_BASE_URL = defineString('IGDB_BASE_URL', { default: 'https://api.igdb.com/v4' });
export const TWITCH_TOKEN_URL = defineString('TWITCH_TOKEN_URL', { default: 'https://id.twitch.tv/oauth2/token' });
export const DEEZER_BASE_URL = defineString('DEEZER_BASE_URL', { default: 'https://api.deezer.com' });
export const ITUNES_BASE_URL = defineString('ITUNES_BASE_URL', { default: 'https://rss.applemarketingtools.com/api/v2' });
export const ITUNES_COUNTRY = defineString('ITUNES_COUNTRY', { default: 'us', description: 'Storefront of the iTunes charts.' });
/** Provider keys; a secret set to "none" leaves its provider unconfigured. */
export const TMDB_API_TOKEN = defineSecret('TMDB_API_TOKEN');
export const RAWG_API_KEY = defineSecret('RAWG_API_KEY');
export const IGDB_CLIENT_ID = defineSecret('IGDB_CLIENT_ID');
export const IGDB_CLIENT_SECRET = defineSecret('IGDB_CLIENT_SECRET');
export const DISCOVERY_SECRETS = [DATABASE_URL, TMDB_API_TOKEN, RAWG_API_KEY, IGDB_CLIENT_ID, IGDB_CLIENT_SECRET];

export const POOL_IDS_TTL_SECONDS = defineInt('POOL_IDS_TTL_SECONDS', {
  default: 600,
  description: 'How long an instance trusts its cached list of a pool\'s question ids (clamped to 300–1800).',
});

export const QUESTIONS_TTL_SECONDS = defineInt('QUESTIONS_TTL_SECONDS', {
  default: 3600,
  description: 'How long an instance keeps a cached question (clamped to 1800–10800); questions never change.',
});

/** Shared with the live game server, which sends it in `x-game-server-secret`; "none" closes the ingest endpoint. */
export const GAME_SERVER_SECRET = defineSecret('GAME_SERVER_SECRET');
export const STATS_MIN_PLAYERS_TO_FLAG = defineInt('STATS_MIN_PLAYERS_TO_FLAG', {
  default: 30,
  description: 'Distinct players (one counted answer each per question) before answer statistics may flag a question; see docs/security.md#6-poisoned-answer-statistics.',
});
export const INGEST_WINDOW_SECONDS = defineInt('INGEST_WINDOW_SECONDS', {
  default: 300,
  description: 'ingestGameEvents: a signed batch is accepted only if its timestamp is this close to now (either way); each signature once.',
});
// Batches and cost visibility (issue #8).
export const BATCH_API_MIN_POOLS = defineInt('BATCH_API_MIN_POOLS', {
  default: 200,
  description: 'A batch created without a mode uses the OpenAI Batch API (half price, up to 24 h) from this many pools on, when a key is set.',
});
export const BATCH_API_MAX_FAILURES = defineInt('BATCH_API_MAX_FAILURES', {
  default: 10,
  description: 'An OpenAI Batch API job whose poller pass fails this many times in a row is given up: its OpenAI batch is cancelled and its requests are generated in sync mode (charged for what the job already paid).',
});
export const MODEL_PRICES = defineString('MODEL_PRICES', {
  default: '{"gpt-4o-mini":{"input":0.15,"cachedInput":0.075,"output":0.6},"gpt-4o":{"input":2.5,"cachedInput":1.25,"output":10},"default":{"input":0.15,"cachedInput":0.075,"output":0.6}}',
  description: 'JSON price table, USD per million tokens per model: {"model":{"input","cachedInput","output"}}; "default" prices any other model. The Batch API bills half of it.',
});
// Per-user rate limits (token buckets): calls per minute, which is also the burst a full bucket allows.
export const RATE_DRAWS_PER_MINUTE = defineInt('RATE_DRAWS_PER_MINUTE', { default: 60, description: 'drawQuestions calls per user per minute.' });
export const RATE_ANSWERS_PER_MINUTE = defineInt('RATE_ANSWERS_PER_MINUTE', { default: 60, description: 'Answer keys checkAnswers may reveal per user per minute (each answer costs one; a call may run into debt that later calls wait out).' });
export const RATE_DISCOVERY_PER_MINUTE = defineInt('RATE_DISCOVERY_PER_MINUTE', { default: 60, description: 'getDiscovery calls per user per minute.' });
export const RATE_GAMES_PER_MINUTE = defineInt('RATE_GAMES_PER_MINUTE', { default: 6, description: 'createGame calls per user per minute (one account farming games to sway answer statistics).' });
export const RATE_GAME_ANSWERS_PER_MINUTE = defineInt('RATE_GAME_ANSWERS_PER_MINUTE', { default: 60, description: 'submitAnswer calls per user per minute.' });
export const RATE_FRESH_ACCOUNT_HOURS = defineInt('RATE_FRESH_ACCOUNT_HOURS', { default: 24, description: 'Accounts younger than this get the fresh-account allowance.' });
export const RATE_FRESH_ACCOUNT_PERCENT = defineInt('RATE_FRESH_ACCOUNT_PERCENT', { default: 25, description: 'Share of the allowance (percent) a fresh account gets.' });

// Retention of the tables that grow with traffic (purged daily by purgeOldRecords).
export const RETENTION_ATTEMPTS_DAYS = defineInt('RETENTION_ATTEMPTS_DAYS', { default: 90, description: 'Days generation_attempts rows are kept.' });
export const RETENTION_USAGE_DAYS = defineInt('RETENTION_USAGE_DAYS', { default: 400, description: 'Days usage_daily counters are kept.' });
export const RETENTION_AUDIT_DAYS = defineInt('RETENTION_AUDIT_DAYS', { default: 365, description: 'Days admin_actions audit rows are kept.' });

// Hot-path accounting (issue 19): test and bench stacks only.
export const TEST_INSTRUMENTATION = defineBoolean('TEST_INSTRUMENTATION', {
  default: false,
  description: 'Test and bench stacks only, never production: count dependency round trips per call and report them to a caller that sends the x-qf-round-trips header.',
});

// Issue 16 soak: test and bench stacks only.
export const TEST_FAULT_PLAN_FILE = defineString('TEST_FAULT_PLAN_FILE', {
  default: '',
  description: 'Test and bench stacks only, never production (read only when FUNCTIONS_EMULATOR is true): a JSON file whose plan ({probability, paths?}) makes named fault points throw at random; absent file, no faults (bench/soak.bench.mjs writes it).',
});
