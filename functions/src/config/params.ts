// Every runtime setting, declared once through Firebase params so `firebase deploy` asks for
// missing values and secrets never live in the repo.
import { defineInt, defineSecret, defineString } from 'firebase-functions/params';

/** Postgres connection string (Cloud SQL in production; the local stack writes functions/.secret.local). */
export const DATABASE_URL = defineSecret('DATABASE_URL');

export const GENERATION_LEASE_SECONDS = defineInt('GENERATION_LEASE_SECONDS', {
  default: 300,
  description: 'Lease on a generation request; also the task function timeout.',
});

export const GENERATION_MAX_ATTEMPTS = defineInt('GENERATION_MAX_ATTEMPTS', {
  default: 5,
  description: 'Attempts before a generation request is marked failed.',
});

export const FUNCTIONS_REGION = defineString('FUNCTIONS_REGION', {
  default: 'us-central1',
  description: 'Region of the functions and of the generation task queue.',
});

export const POOL_IDS_TTL_SECONDS = defineInt('POOL_IDS_TTL_SECONDS', {
  default: 600,
  description: 'How long an instance trusts its cached list of a pool\'s question ids (clamped to 300–1800).',
});

export const QUESTIONS_TTL_SECONDS = defineInt('QUESTIONS_TTL_SECONDS', {
  default: 3600,
  description: 'How long an instance keeps a cached question (clamped to 1800–10800); questions never change.',
});
