import { chiSquareUniform } from '../../scripts/lib/chiSquare.cjs';
import fixture from './fixtures/labelled-items.json';
import type { LabelledItem } from './support/labelledSet';
import { itemFlawOf, keyIsOnlyLongest, LONGEST_KEY_SHARE, shuffleChoices } from '../src/pools/itemFlaws';
import { screenCandidates } from '../src/pools/qualityGate';

// The deterministic item-writing-flaw linter (issue 17 §2), judged on the labelled set.

const items = fixture as LabelledItem[];
const LINTED = ['answer-in-stem', 'negative-stem', 'mixed-kinds', 'overlapping-ranges'] as const;

function modelQuestion(n: number, choices: string[], answerIndex: number, type: 'mcq' | 'true_false' = 'mcq') {
  return { prompt: `In this quiz, which of the following options is the correct answer to question number ${n}?`, choices, answerIndex, explanation: 'Because.', difficulty: 'medium', source: 'openai', model: 'm' };
}

describe('item-writing-flaw linter', () => {
  test('finds every labelled flaw it covers, with its reason, and flags no sound item', () => {
    for (const item of items) {
      const flaw = itemFlawOf(item, item.lang, item.type);
      if ((LINTED as readonly string[]).includes(item.label)) expect({ id: item.id, flaw }).toEqual({ id: item.id, flaw: item.label });
      if (item.label === 'good') expect({ id: item.id, flaw }).toEqual({ id: item.id, flaw: undefined });
    }
  });

  test('choices are stored in an order fixed by the id: a model that always puts its key first ends up uniform', () => {
    const positions = [0, 0, 0, 0];
    for (let n = 0; n < 1000; n++) {
      const choices = [`Key ${n}`, `Other ${n}`, `Third ${n}`, `Fourth ${n}`];
      const shuffled = shuffleChoices({ prompt: `q${n}`, choices, answerIndex: 0 }, `id-${n}`, 'mcq');
      expect(shuffled.choices[shuffled.answerIndex]).toBe(`Key ${n}`);
      expect([...shuffled.choices].sort()).toEqual([...choices].sort());
      expect(shuffleChoices({ prompt: `q${n}`, choices, answerIndex: 0 }, `id-${n}`, 'mcq')).toEqual(shuffled);
      positions[shuffled.answerIndex]! += 1;
    }
    expect(chiSquareUniform(positions).p).toBeGreaterThanOrEqual(0.05);
    expect(chiSquareUniform([1000, 0, 0, 0]).p).toBeLessThan(0.05); // the test can fail
    // True/false keeps "true, false".
    expect(shuffleChoices({ prompt: 'p', choices: ['True', 'False'], answerIndex: 1 }, 'x', 'true_false')).toEqual({ prompt: 'p', choices: ['True', 'False'], answerIndex: 1 });
  });

  test('the screen stores model questions shuffled and counts each flaw by reason', () => {
    const candidates = [
      modelQuestion(1, ['Oslo', 'Lima', 'Quito', 'Dakar'], 0),
      { ...modelQuestion(2, ['Oslo', 'Lima', 'Quito', 'Dakar'], 0), prompt: 'Which of these cities is NOT a capital city of any country?' },
      modelQuestion(3, ['Oslo', '1984', 'Quito', 'Dakar'], 0),
      modelQuestion(4, ['1–10', '5–15', '20–30', '40–50'], 0),
      { ...modelQuestion(5, ['Oslo', 'Lima', 'Quito', 'Dakar'], 0), prompt: 'Which capital city, Oslo perhaps, lies furthest north of all?' },
    ];
    const screened = screenCandidates({ lang: 'en', type: 'mcq', candidates, pool: [], limit: 10 });
    expect(screened.rejected).toEqual({ 'negative-stem': 1, 'mixed-kinds': 1, 'overlapping-ranges': 1, 'answer-in-stem': 1 });
    expect(screened.accepted).toHaveLength(1);
    expect(screened.accepted[0]!.choices[screened.accepted[0]!.answerIndex]).toBe('Oslo');
  });

  test('a pool leaning to the longest key turns such keys away past the limit; other keys still pass', () => {
    const candidates = Array.from({ length: 200 }, (_, n) => {
      const longest = n % 10 < 6; // the model makes its key the only longest in 60% of its questions
      return modelQuestion(n, [longest ? `Antananarivo ${n}` : `Oslo ${n}`, `Lima ${n}`, `Quito ${n}`, `Dakar ${n}`], 0);
    });
    const screened = screenCandidates({ lang: 'en', type: 'mcq', candidates, pool: [], limit: 200 });
    const share = screened.accepted.filter(keyIsOnlyLongest).length / screened.accepted.length;
    expect(share).toBeLessThanOrEqual(LONGEST_KEY_SHARE);
    expect(screened.rejected['longest-key']).toBeGreaterThan(40);
    expect(screened.accepted.length).toBeGreaterThan(100);
  });

  test('true/false keys stay balanced within a pool', () => {
    const candidates = Array.from({ length: 40 }, (_, n) => ({ ...modelQuestion(n, ['True', 'False'], n % 5 === 0 ? 1 : 0), prompt: `In this quiz, statement number ${n} about the world is correct as written.` }));
    const screened = screenCandidates({ lang: 'en', type: 'true_false', candidates, pool: [], limit: 40 });
    const trues = screened.accepted.filter((q) => q.answerIndex === 0).length;
    const falses = screened.accepted.length - trues;
    expect(Math.abs(trues - falses)).toBeLessThanOrEqual(Math.max(2, 0.1 * screened.accepted.length));
    expect(screened.rejected['true-false-imbalance']).toBeGreaterThan(10);
  });
});
