import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isNearDuplicate, NEAR_DUPLICATE_THRESHOLD, signatureOf, similarity, type Comparable } from '../src/pools/nearDuplicates';
import { screenCandidates } from '../src/pools/qualityGate';
import { questionIdOf } from '../src/questions/question';

type Side = [string, string[], number];
type Pair = { lang: string; label: 'dup' | 'not-dup'; a: Side; b: Side };
const fixture = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'near-duplicates.json'), 'utf8')) as { pairs: Pair[] };
const comparable = ([prompt, choices, answerIndex]: Side): Comparable => ({ prompt, choices, answerIndex });

function score(pairs: Pair[]) {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  for (const pair of pairs) {
    const flagged = similarity(signatureOf(comparable(pair.a)), signatureOf(comparable(pair.b))) >= NEAR_DUPLICATE_THRESHOLD;
    if (flagged && pair.label === 'dup') truePositives++;
    else if (flagged) falsePositives++;
    else if (pair.label === 'dup') falseNegatives++;
  }
  return { precision: truePositives / (truePositives + falsePositives), recall: truePositives / (truePositives + falseNegatives) };
}

const question = (prompt: string, choices: string[], answerIndex = 0) => ({ prompt, choices, answerIndex, explanation: '', difficulty: 'easy', source: 'openai', model: 'test' });

describe('near-duplicate detection', () => {
  test('the labelled set has both labels in English, French and Spanish', () => {
    for (const lang of ['en', 'fr', 'es']) {
      for (const label of ['dup', 'not-dup']) expect(fixture.pairs.filter((p) => p.lang === lang && p.label === label).length).toBeGreaterThanOrEqual(10);
    }
  });

  test('reaches precision ≥ 0.85 and recall ≥ 0.9 on the labelled set, and ≥ 0.8 in each language', () => {
    const overall = score(fixture.pairs);
    expect(overall.precision).toBeGreaterThanOrEqual(0.85);
    expect(overall.recall).toBeGreaterThanOrEqual(0.9);
    for (const lang of ['en', 'fr', 'es']) {
      const perLanguage = score(fixture.pairs.filter((p) => p.lang === lang));
      expect(perLanguage.precision).toBeGreaterThanOrEqual(0.8);
      expect(perLanguage.recall).toBeGreaterThanOrEqual(0.8);
    }
  });

  test('reordered choices, case, accents and punctuation do not make a question new', () => {
    const a = { prompt: '¿Cuál es la capital de Perú?', choices: ['Lima', 'Quito', 'Bogotá'], answerIndex: 0 };
    expect(isNearDuplicate(a, { prompt: 'cual es la capital de peru', choices: ['Bogota', 'Lima', 'Quito'], answerIndex: 1 })).toBe(true);
  });

  test('one template about two different countries is not a duplicate, even with the same answer', () => {
    const senegal = { prompt: 'What is the official currency of Senegal?', choices: ['West African CFA Franc', 'Naira'], answerIndex: 0 };
    expect(isNearDuplicate(senegal, { ...senegal, prompt: 'What is the official currency of Mali?' })).toBe(false);
  });

  test('a near-duplicate of a question already in the pool is rejected, not only within the batch', () => {
    const inPool = question('Which city is the capital of France?', ['Lyon', 'Paris', 'Nice'], 1);
    const result = screenCandidates({
      lang: 'en',
      limit: 10,
      pool: [{ id: questionIdOf(inPool.prompt), ...inPool }],
      candidates: [
        question('What is the capital of France?', ['Paris', 'Marseille', 'Lille']),
        question('What is the capital of Spain?', ['Madrid', 'Seville', 'Valencia']),
        question('Which city is the capital of Spain?', ['Seville', 'Madrid'], 1),
        question('which city is the capital of FRANCE', ['Paris', 'Lyon']),
      ],
    });
    expect(result.accepted.map((q) => q.prompt)).toEqual(['What is the capital of Spain?']);
    expect(result.rejected).toEqual({ 'near-duplicate': 2, duplicate: 1 });
  });
});
