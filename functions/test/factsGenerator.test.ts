import worldCountries from 'world-countries';
import { poolParamsSchema, type PoolParamsInput } from '../src/questions/poolParams';
import { answerNamesCountry, FactsGenerator } from '../src/questions/facts/factsGenerator';
import { questionIdOf, questionSchema } from '../src/questions/question';

const generator = new FactsGenerator();
const params = (patch: Partial<PoolParamsInput>) =>
  poolParamsSchema.parse({ lang: 'en', country: 'US', level: 'medium', subject: 'geography', theme: 'world', type: 'mcq', ...patch });

const byName = (lang: string) => {
  const names = new Intl.DisplayNames([lang], { type: 'region' });
  return new Map(worldCountries.filter((c) => c.unMember).map((c) => [names.of(c.cca2)!, c]));
};

describe('FactsGenerator', () => {
  test.each(['en', 'fr', 'es'])('every %s question is valid, has distinct choices and one right answer from the data', async (lang) => {
    const countries = byName(lang);
    const currencyNames = new Intl.DisplayNames([lang], { type: 'currency' });
    const { questions } = await generator.generate({ params: params({ lang, theme: 'world' }), count: 1000, excludeIds: new Set() });
    expect(questions.length).toBeGreaterThan(400);
    for (const question of questions) {
      questionSchema.parse(question);
      expect(new Set(question.choices).size).toBe(question.choices.length);
      const answer = question.choices[question.answerIndex]!;
      // Cross-check the currency family against the data package directly.
      const currency = /(?:currency of|monnaie officielle de ce pays :|moneda oficial de este país:) ([^?]+?) ?\?$/.exec(question.prompt);
      if (currency) {
        const country = countries.get(currency[1]!.trim())!;
        expect(country).toBeDefined();
        expect(answer).toBe(currencyNames.of(Object.keys(country.currencies)[0]!));
      }
    }
  });

  test.each(['en', 'fr', 'es'])('no %s question answers itself, and no withdrawn currency is offered', async (lang) => {
    const countries = byName(lang);
    const { questions } = await generator.generate({ params: params({ lang, theme: 'world' }), count: 1000, excludeIds: new Set() });
    const fold = (text: string) => text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
    let currencyOrCapital = 0;
    for (const question of questions) {
      expect(question.choices.join(' ')).not.toMatch(/\d{4}/);
      const asked = /(?:currency of|capital of|monnaie officielle de ce pays :|moneda oficial de este país:) ([^?]+?) ?\?$/.exec(question.prompt);
      if (!asked) continue;
      currencyOrCapital++;
      const country = asked[1]!.trim();
      expect(countries.has(country)).toBe(true);
      // "Mexico City" for Mexico, "Moroccan Dirham" for Morocco: never asked.
      const answerWords = fold(question.choices[question.answerIndex]!).split(/[^a-z]+/);
      for (const word of fold(country).split(/[^a-z]+/).filter((w) => w.length >= 4)) {
        expect(answerWords.some((answerWord) => answerWord.startsWith(word.slice(0, 4)))).toBe(false);
      }
    }
    expect(currencyOrCapital).toBeGreaterThan(lang === 'en' ? 150 : 30);
  });

  test('an answer named after the country, its demonym or its initials answers itself', () => {
    expect(answerNamesCountry('Danish Krone', ['Denmark', 'Danish'])).toBe(true);
    expect(answerNamesCountry('couronne danoise', ['Danemark', 'Danois', 'Danoise'])).toBe(true);
    expect(answerNamesCountry('Mexico City', ['Mexico'])).toBe(true);
    expect(answerNamesCountry('US Dollar', ['United States', 'American'])).toBe(true);
    expect(answerNamesCountry('UAE Dirham', ['United Arab Emirates', 'Emirati'])).toBe(true);
    expect(answerNamesCountry('Euro', ['Germany', 'German'])).toBe(false);
    expect(answerNamesCountry('South African Rand', ['Lesotho', 'Mosotho'])).toBe(false);
    expect(answerNamesCountry('Canberra', ['Australia', 'Australian'])).toBe(false);
  });

  test('capital questions name the capital recorded for the country', async () => {
    const countries = byName('en');
    const { questions } = await generator.generate({ params: params({ theme: 'capitals' }), count: 300, excludeIds: new Set() });
    expect(questions.length).toBeGreaterThan(150);
    for (const question of questions) {
      const country = countries.get(/^What is the capital of (.+)\?$/.exec(question.prompt)![1]!)!;
      expect(country.capital).toEqual([question.choices[question.answerIndex]]);
    }
  });

  test('true/false statements are true exactly when answerIndex is 0', async () => {
    const { questions } = await generator.generate({ params: params({ theme: 'capitals', type: 'true_false' }), count: 100, excludeIds: new Set() });
    const capitals = new Map(worldCountries.map((c) => [new Intl.DisplayNames(['en'], { type: 'region' }).of(c.cca2), c.capital[0]]));
    for (const question of questions) {
      const [, capital, country] = /^True or false: (.+) is the capital of (.+)\.$/.exec(question.prompt)!;
      expect(question.answerIndex === 0).toBe(capitals.get(country!) === capital);
    }
    const truths = questions.filter((q) => q.answerIndex === 0).length;
    expect(truths).toBeGreaterThan(25);
    expect(truths).toBeLessThan(75);
  });

  test('is deterministic and skips questions the pool already holds', async () => {
    const p = params({ lang: 'es', theme: 'banderas' });
    const first = await generator.generate({ params: p, count: 30, excludeIds: new Set() });
    const again = await generator.generate({ params: p, count: 30, excludeIds: new Set() });
    expect(again.questions).toEqual(first.questions);
    const held = new Set(first.questions.slice(0, 10).map((q) => questionIdOf(q.prompt)));
    const next = await generator.generate({ params: p, count: 30, excludeIds: held });
    expect(next.questions.some((q) => held.has(questionIdOf(q.prompt)))).toBe(false);
    expect(next.questions).toHaveLength(30);
  });

  test('reports exhaustion when asked for more than the data holds', async () => {
    const batch = await generator.generate({ params: params({ theme: 'flags' }), count: 5000, excludeIds: new Set() });
    expect(batch.exhausted).toBe(true);
    expect(new Set(batch.questions.map((q) => questionIdOf(q.prompt))).size).toBe(batch.questions.length);
  });

  test('declines what it cannot serve, with the reason', () => {
    expect(generator.supports(params({ lang: 'de' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/speaks en, fr, es/) });
    expect(generator.supports(params({ subject: 'history' }))).toMatchObject({ ok: false });
    expect(generator.supports(params({ lang: 'fr', theme: 'capitales' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/no theme "capitales" in "fr"/) });
  });

  test('hard distractors come from the same subregion when it has enough countries', async () => {
    const countries = byName('en');
    const { questions } = await generator.generate({ params: params({ theme: 'flags', level: 'hard' }), count: 50, excludeIds: new Set() });
    let sameRegion = 0;
    for (const question of questions) {
      const right = countries.get(question.choices[question.answerIndex]!)!;
      sameRegion += question.choices.filter((choice) => countries.get(choice)?.subregion === right.subregion).length - 1;
    }
    expect(sameRegion / (questions.length * 3)).toBeGreaterThan(0.8);
  });
});
