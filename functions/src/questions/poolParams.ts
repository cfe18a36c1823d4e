import worldCountries from 'world-countries';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../shared/hashing';

export const LEVELS = ['easy', 'medium', 'hard'] as const;
export const QUESTION_TYPES = ['mcq', 'true_false'] as const;
export const SUBJECTS = [
  'geography', 'history', 'science', 'literature', 'art', 'cinema', 'tv', 'music',
  'video-games', 'anime', 'sports', 'general-knowledge',
] as const;
export const MAX_TARGET_COUNT = 500;
export const MAX_THEME_LENGTH = 60;

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** Intl throws RangeError on malformed subtags; a refinement must answer, not throw. */
function isKnownLanguage(code: string): boolean {
  try {
    return /^[a-z]{2}$/.test(code) && languageNames.of(code) !== undefined;
  } catch {
    return false;
  }
}
const countryCodes = new Set(worldCountries.map((country) => country.cca2));

/** Lower-case ASCII slug: the theme reaches a prompt and a Firestore id, so only [a-z0-9-] survive. */
export function slugifyTheme(theme: string): string {
  return theme
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const themeSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_THEME_LENGTH, `must be at most ${MAX_THEME_LENGTH} characters`)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} '’-]*$/u, "may contain only letters, digits, spaces, hyphens and apostrophes")
  .transform(slugifyTheme)
  .refine((slug) => slug.length > 0, 'must contain at least one letter or digit');

export const poolParamsSchema = z.strictObject({
  lang: z
    .string({ error: 'must be an ISO 639-1 code such as "en"' })
    .trim()
    .toLowerCase()
    .regex(/^[a-z]{2}$/, 'must be an ISO 639-1 code such as "en"')
    .refine(isKnownLanguage, 'is not a known ISO 639-1 language'),
  country: z
    .string({ error: 'must be an ISO 3166-1 alpha-2 code such as "FR"' })
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "FR"')
    .refine((code) => countryCodes.has(code), 'is not a known ISO 3166-1 country'),
  level: z.enum(LEVELS, { error: `must be one of ${LEVELS.join(', ')}` }),
  subject: z.enum(SUBJECTS, { error: `must be one of ${SUBJECTS.join(', ')}` }),
  theme: themeSchema,
  type: z.enum(QUESTION_TYPES, { error: `must be one of ${QUESTION_TYPES.join(', ')}` }),
  version: z.int({ error: 'must be an integer' }).min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(1),
});

export type PoolParams = z.output<typeof poolParamsSchema>;
export type PoolParamsInput = z.input<typeof poolParamsSchema>;

export const generationRequestSchema = z.strictObject({
  pool: poolParamsSchema,
  targetCount: z
    .int({ error: 'must be an integer' })
    .min(1, 'must be at least 1')
    .max(MAX_TARGET_COUNT, `must be at most ${MAX_TARGET_COUNT}`),
});
export type GenerationRequestInput = z.input<typeof generationRequestSchema>;
export type GenerationRequest = z.output<typeof generationRequestSchema>;

/** `lang|country|level|subject|theme|type|version` (seed 000), lower case. */
export function poolKeyOf(params: PoolParams): string {
  return [params.lang, params.country.toLowerCase(), params.level, params.subject, params.theme, params.type, `v${params.version}`].join('|');
}

/**
 * sha256 of the canonical pool params: the pool is the unit of work, whatever the target (a higher
 * target raises the pool's work, a lower one joins it). Migration 1732370000000 computes the same
 * key in SQL (generation_pool_request_key).
 */
export function requestKeyOf(request: { pool: PoolParams; targetCount?: number }): string {
  return sha256Hex(canonicalJson({ pool: request.pool }));
}
