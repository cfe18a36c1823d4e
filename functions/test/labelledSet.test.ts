import fixture from './fixtures/labelled-items.json';
import { buildLabelledSet, FLAW_LABELS, type LabelledItem } from './support/labelledSet';

const items = fixture as LabelledItem[];

describe('labelled item set (test/fixtures/labelled-items.json)', () => {
  test('is what the builder makes from the facts generator (reproducible, not hand-edited)', async () => {
    expect(await buildLabelledSet()).toEqual(items);
  });

  test('holds at least 300 items, every flaw at least 10 times, sound items beside them', () => {
    expect(items.length).toBeGreaterThanOrEqual(300);
    const counts = new Map<string, number>();
    for (const item of items) counts.set(item.label, (counts.get(item.label) ?? 0) + 1);
    for (const label of FLAW_LABELS) expect(counts.get(label) ?? 0).toBeGreaterThanOrEqual(10);
    expect(counts.get('good')!).toBeGreaterThanOrEqual(items.length * 0.4);
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    expect(new Set(items.map((i) => i.lang))).toEqual(new Set(['en', 'fr', 'es']));
  });

  test('labels agree with the item: keys, defensible answers and the injected text', () => {
    for (const item of items) {
      expect(new Set(item.choices).size).toBe(item.choices.length);
      const keyIsRight = item.correct.includes(item.answerIndex);
      if (item.label === 'wrong-key') expect(keyIsRight).toBe(false);
      else expect(keyIsRight).toBe(true);
      if (item.label === 'good' || item.label === 'wrong-key') expect(item.correct).toHaveLength(1);
      if (item.label === 'ambiguous' || item.label === 'negative-stem') expect(item.correct.length).toBeGreaterThan(1);
      if (item.label === 'time-sensitive') expect(item.timeSensitive).toBe(true);
      if (item.label === 'longest-key') {
        const lengths = item.choices.map((c) => c.length);
        expect(lengths.filter((l) => l === Math.max(...lengths))).toHaveLength(1);
        expect(lengths[item.answerIndex]).toBe(Math.max(...lengths));
      }
      if (item.label === 'answer-in-stem') expect(item.prompt).toContain(item.choices[item.answerIndex]!);
    }
  });
});
