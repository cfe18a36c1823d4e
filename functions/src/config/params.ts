// Every runtime setting, declared once through Firebase params so `firebase deploy` asks for
// missing values and secrets never live in the repo.
import { defineInt, defineSecret, defineString } from 'firebase-functions/params';

/** Postgres connection string (Cloud SQL in production; the local stack writes functions/.secret.local). */
export const DATABASE_URL = defineSecret('DATABASE_URL');

/** OpenAI key; "unset" (the local default) leaves only the offline facts generator. */
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

export const OPENAI_TIMEOUT_SECONDS = defineInt('OPENAI_TIMEOUT_SECONDS', {
  default: 120,
  description: 'Ceiling on one model call (always shortened to end inside the lease).',
});

export const GENERATION_LEASE_SECONDS = defineInt('GENERATION_LEASE_SECONDS', {
  default: 300,
  description: 'Lease on a generation request; also the task function timeout.',
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

export const GLOBAL_DAILY_TOKEN_BUDGET = defineInt('GLOBAL_DAILY_TOKEN_BUDGET', {
  default: 5_000_000,
  description: 'Model tokens for everyone per UTC day; new model work stops cleanly beyond it.',
});

export const FUNCTIONS_REGION = defineString('FUNCTIONS_REGION', {
  default: 'us-central1',
  description: 'Region of the functions and of the generation task queue.',
});
