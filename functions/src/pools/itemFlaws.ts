import { createHash } from 'node:crypto';
import { removeStopwords, eng, fra, spa } from 'stopword';
import { normalizeQuestionText } from '../questions/question';

// A deterministic item-writing-flaw linter (issue 17 §2): free, so it runs before any verifier.
// Per item: negative stems, the key's words leaking into the stem, choices of mixed kinds,
// overlapping numeric ranges ("all/none of the above" stays in the quality gate). Per pool: the key
// being the only longest choice when the pool leans that way, true/false keys out of balance.

export const FLAW_REASONS = ['negative-stem', 'answer-in-stem', 'mixed-kinds', 'overlapping-ranges', 'longest-key', 'true-false-imbalance'] as const;
export type FlawReason = (typeof FLAW_REASONS)[number];

/** Most keys a pool may hold that are the only longest choice (random order gives about a quarter). */
export const LONGEST_KEY_SHARE = 0.35;
/** Pools smaller than this are not judged on leanings: a handful of items says nothing. */
const LEAN_MIN_ITEMS = 10;
/** True/false keys may differ by this share of the pool (and by 2 items at least). */
const TRUE_FALSE_MARGIN = 0.1;

type Item = { prompt: string; choices: readonly string[]; answerIndex: number };

// Word boundaries that know accented letters (\b does not).
const negativeWords = (list: string) => new RegExp(`(?<!\\p{L})(${list})(?!\\p{L})`, 'iu');
/** Negative stems ("Which is NOT…", "all EXCEPT…"): players misread them, and they invite several right answers. */
const NEGATIVE_BY_LANG: Record<string, RegExp | undefined> = {
  en: negativeWords("not|except|never|isn't|doesn't|wasn't"),
  fr: negativeWords('pas|sauf|excepté|jamais'),
  es: negativeWords('no|excepto|salvo|nunca'),
};
const STOPWORDS: Record<string, string[]> = { en: eng, fr: fra, es: spa };

function words(text: string, lang: string): string[] {
  const plain = normalizeQuestionText(text).split(' ').filter((w) => w.length >= 4 && !/^\d+$/.test(w));
  return removeStopwords(plain, STOPWORDS[lang] ?? eng);
}

const NUMBER = /^[~≈]?-?\d[\d,.\s]*$/;
const RANGE = /^(-?\d[\d,.\s]*?)\s*(?:–|—|-|to|à|a)\s*(-?\d[\d,.\s]*)$/;

function numberOf(text: string): number {
  return Number(text.replace(/[,\s]/g, ''));
}

type Kind = 'number' | 'range' | 'text';
function kindOf(choice: string): Kind {
  const trimmed = choice.trim();
  if (RANGE.test(trimmed)) return 'range';
  if (NUMBER.test(trimmed)) return 'number';
  return 'text';
}

/** The item's own flaw, if any (pool leanings are judged by PoolLeanings). */
export function itemFlawOf(item: Item, lang: string, type: 'mcq' | 'true_false'): FlawReason | undefined {
  if (type === 'mcq') {
    const negative = NEGATIVE_BY_LANG[lang];
    if (negative?.test(item.prompt)) return 'negative-stem';
  }
  const kinds = new Set(item.choices.map(kindOf));
  if (kinds.size > 1) return 'mixed-kinds';
  if (kinds.has('range')) {
    const ranges = item.choices.map((c) => RANGE.exec(c.trim())!).map((m) => [numberOf(m[1]!), numberOf(m[2]!)].sort((a, b) => a - b) as [number, number]);
    ranges.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) if (ranges[i]![0] <= ranges[i - 1]![1]) return 'overlapping-ranges';
  }
  if (type === 'mcq') {
    // A word of the key that no distractor shares, found in the stem, gives the answer away.
    const key = item.choices[item.answerIndex] ?? '';
    const others = new Set(item.choices.filter((_, i) => i !== item.answerIndex).flatMap((c) => words(c, lang)));
    const stem = new Set(words(item.prompt, lang));
    if (words(key, lang).some((w) => !others.has(w) && stem.has(w))) return 'answer-in-stem';
  }
  return undefined;
}

/** The key is the only longest choice (players learn to pick it). */
export function keyIsOnlyLongest(item: Item): boolean {
  const lengths = item.choices.map((c) => c.trim().length);
  const longest = Math.max(...lengths);
  return lengths[item.answerIndex] === longest && lengths.filter((l) => l === longest).length === 1;
}

/** Running counts of a pool's leanings: what is in it, plus what this screening accepts. */
export class PoolLeanings {
  private items = 0;
  private longestKeys = 0;
  private trueKeys = 0;
  private falseKeys = 0;
  private readonly positions: number[] = [];

  constructor(private readonly type: 'mcq' | 'true_false') {}

  add(item: Item): void {
    this.items += 1;
    this.positions[item.answerIndex] = (this.positions[item.answerIndex] ?? 0) + 1;
    if (this.type === 'mcq' && keyIsOnlyLongest(item)) this.longestKeys += 1;
    if (this.type === 'true_false') {
      if (item.answerIndex === 0) this.trueKeys += 1;
      else this.falseKeys += 1;
    }
  }

  /** The key position the pool holds least often (ties by the id): where the next key goes. */
  keyPositionFor(id: string, choices: number): number {
    const counts = Array.from({ length: choices }, (_, i) => this.positions[i] ?? 0);
    const least = Math.min(...counts);
    const candidates = counts.map((c, i) => (c === least ? i : -1)).filter((i) => i >= 0);
    return candidates[createHash('sha256').update(`key|${id}`).digest().readUInt32BE(0) % candidates.length]!;
  }

  /** Why adding this item would make the pool lean, or undefined. */
  leaningOf(item: Item): FlawReason | undefined {
    const n = this.items + 1;
    if (this.type === 'mcq' && keyIsOnlyLongest(item) && n >= LEAN_MIN_ITEMS && (this.longestKeys + 1) / n > LONGEST_KEY_SHARE) return 'longest-key';
    if (this.type === 'true_false') {
      const trues = this.trueKeys + (item.answerIndex === 0 ? 1 : 0);
      const falses = this.falseKeys + (item.answerIndex === 0 ? 0 : 1);
      const grows = item.answerIndex === 0 ? trues > falses : falses > trues;
      if (grows && Math.abs(trues - falses) > Math.max(2, TRUE_FALSE_MARGIN * n)) return 'true-false-imbalance';
    }
    return undefined;
  }
}

/**
 * The choices in an order fixed by the question's id: the model's favourite positions vanish. With
 * `keyAt` (the position the pool holds least often) the key goes there, so a pool's keys stay
 * spread evenly over positions; a replay reuses the stored result, so the order never changes.
 * True/false keeps its fixed "true, false" order (players read it that way).
 */
export function shuffleChoices<T extends Item>(item: T, id: string, type: 'mcq' | 'true_false', keyAt?: number): T {
  if (type === 'true_false' || item.choices.length < 2) return item;
  const digest = createHash('sha256').update(`choices|${id}`).digest();
  const order = item.choices.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = digest.readUInt16BE((i * 2) % 30) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  if (keyAt !== undefined && keyAt < order.length) {
    const from = order.indexOf(item.answerIndex);
    [order[from], order[keyAt]] = [order[keyAt]!, order[from]!];
  }
  return { ...item, choices: order.map((i) => item.choices[i]!), answerIndex: order.indexOf(item.answerIndex) } as T;
}
