import { poolParamsSchema } from '../src/questions/poolParams';
import { rejectionOf, screenCandidates, speaksLanguage } from '../src/pools/qualityGate';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { questionIdOf } from '../src/questions/question';

const good = { prompt: 'What is the capital of Peru?', choices: ['Lima', 'Quito', 'Bogotá', 'La Paz'], answerIndex: 0, explanation: 'Lima is the capital of Peru.', difficulty: 'medium', source: 'openai', model: 'test-model' };

describe('quality gate', () => {
  test('accepts a well-formed question in the requested language', () => {
    expect(rejectionOf(good, 'en')).toBeUndefined();
  });

  test.each([
    ['an answer index past the choices', { ...good, answerIndex: 4 }, 'answer-out-of-range'],
    ['two choices equal after case, accents and punctuation', { ...good, choices: ['Lima', 'Bogotá', 'bogota!', 'Quito'] }, 'duplicate-choices'],
    ['a choice that is only punctuation', { ...good, choices: ['Lima', '?!', 'Quito'] }, 'duplicate-choices'],
    ['"all of the above", which makes several choices right', { ...good, choices: ['Lima', 'Quito', 'All of the above'] }, 'answer-ambiguous'],
    ['a prompt over 300 characters', { ...good, prompt: `What is ${'very '.repeat(70)}the capital of Peru?` }, 'too-long'],
    ['a missing field', { ...good, explanation: undefined }, 'invalid-shape'],
    ['a single choice', { ...good, choices: ['Lima'] }, 'invalid-shape'],
    ['a French prompt in an English pool', { ...good, prompt: 'Quelle est la capitale du Pérou ?' }, 'wrong-language'],
  ])('rejects %s', (_name, candidate, reason) => {
    expect(rejectionOf(candidate, 'en')).toBe(reason);
  });

  test('judges language on the prompt words, not on names, flags or choices', () => {
    expect(speaksLanguage('¿A qué país pertenece esta bandera? 🇲🇽', 'es')).toBe(true);
    expect(speaksLanguage('Sur quel continent se trouve ce pays : Papouasie-Nouvelle-Guinée ?', 'fr')).toBe(true);
    expect(speaksLanguage('What is the official currency of Saint Kitts and Nevis?', 'en')).toBe(true);
    expect(speaksLanguage('What is the official currency of Saint Kitts and Nevis?', 'es')).toBe(false);
    expect(speaksLanguage('Welche Stadt ist die Hauptstadt von Japan, und wie heißt sie heute?', 'fr')).toBe(false);
  });

  test('counts rejections by reason and keeps the good ones in order', () => {
    const second = { ...good, prompt: 'What is the capital of Chile?', choices: ['Santiago', 'Lima', 'Quito'], explanation: 'Santiago.' };
    const result = screenCandidates({
      lang: 'en',
      pool: [],
      limit: 10,
      candidates: [good, { ...good, answerIndex: 9 }, { ...good, prompt: 'Quelle est la capitale du Pérou ?' }, second, { ...good, choices: ['Lima', 'lima'] }, { ...good, answerIndex: 7 }],
    });
    expect(result.accepted.map((q) => q.prompt)).toEqual([good.prompt, second.prompt]);
    expect(result.accepted[0]!.id).toBe(questionIdOf(good.prompt));
    expect(result.rejected).toEqual({ 'answer-out-of-range': 2, 'wrong-language': 1, 'duplicate-choices': 1 });
  });

  test('stops at the limit without judging the rest', () => {
    const other = { ...good, prompt: 'What is the capital of Chile?', choices: ['Santiago', 'Lima'] };
    const result = screenCandidates({ lang: 'en', pool: [], limit: 1, candidates: [good, other, { ...good, answerIndex: 9 }] });
    expect(result.accepted).toHaveLength(1);
    expect(result.rejected).toEqual({});
  });

  test.each([
    ['en', 'world', 'mcq'], ['fr', 'monde', 'mcq'], ['es', 'mundo', 'mcq'],
    ['en', 'world', 'true_false'], ['fr', 'monde', 'true_false'], ['es', 'mundo', 'true_false'],
  ])('the facts generator fills a 200-question %s %s %s pool through the gate, rejecting almost none', async (lang, theme, type) => {
    const params = poolParamsSchema.parse({ lang, country: 'FR', level: 'hard', subject: 'geography', theme, type });
    const batch = await new FactsGenerator().generate({ params, count: 260, excludeIds: new Set() });
    const result = screenCandidates({ lang, pool: [], limit: 200, candidates: batch.questions });
    expect(result.accepted).toHaveLength(200);
    // Known misses: "Guinée" vs "Guinée équatoriale" (a lowercase name part), a rare language misread.
    const rejected = Object.values(result.rejected).reduce((sum, n) => sum + n, 0);
    expect(rejected).toBeLessThanOrEqual(4);
  });
});
