import { generationRequestSchema, poolKeyOf, poolParamsSchema, requestKeyOf, slugifyTheme } from '../src/questions/poolParams';

const base = { lang: 'fr', country: 'FR', level: 'easy', subject: 'geography', theme: 'Capitales', type: 'mcq' } as const;

describe('pool params', () => {
  test('normalize case, spacing and accents before they reach a key', () => {
    const params = poolParamsSchema.parse({ ...base, lang: ' FR', country: 'fr ', theme: '  Châteaux  de la Loire ' });
    expect(params).toEqual({ ...base, theme: 'chateaux-de-la-loire', version: 1 });
    expect(poolKeyOf(params)).toBe('fr|fr|easy|geography|chateaux-de-la-loire|mcq|v1');
  });

  test('theme slugs keep only [a-z0-9-]', () => {
    expect(slugifyTheme("L'Été — 2024 ’s")).toBe('l-ete-2024-s');
  });

  test('the request key is the pool\'s: it changes with any pool part, not with the target or spelling (issue 17 §4)', () => {
    const request = generationRequestSchema.parse({ pool: base, targetCount: 10 });
    const respelled = generationRequestSchema.parse({ pool: { ...base, theme: ' capitales', lang: 'Fr' }, targetCount: 10 });
    expect(requestKeyOf(respelled)).toBe(requestKeyOf(request));
    expect(requestKeyOf({ ...request, targetCount: 11 })).toBe(requestKeyOf(request));
    expect(requestKeyOf({ ...request, pool: { ...request.pool, version: 2 } })).not.toBe(requestKeyOf(request));
    expect(requestKeyOf(request)).toMatch(/^[0-9a-f]{64}$/);
  });

  test.each([
    ['theme with markup', { theme: '<script>' }],
    ['theme of only punctuation', { theme: '---' }],
    ['version zero', { version: 0 }],
    ['unknown type', { type: 'essay' }],
    ['unknown country', { country: 'XX' }],
    ['a language code Intl cannot parse', { lang: 'arguments' }],
    ['an empty language', { lang: '' }],
  ])('rejects %s', (_name, patch) => {
    expect(poolParamsSchema.safeParse({ ...base, ...patch }).success).toBe(false);
  });
});
