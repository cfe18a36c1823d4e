import { eng, fra, spa } from 'stopword';
import { normalizeQuestionText } from '../questions/question';

/**
 * Near-duplicate detection, anchored on the answer.
 *
 * Quiz questions of one pool share templates ("What is the capital of X?"), so plain word
 * Jaccard calls "capital of France" and "capital of Spain" closer than two phrasings of one
 * question. Two questions are near-duplicates when
 *   - their correct answers are the same words (J ≥ 0.5; by text, so reordered choices change nothing),
 *   - their named entities (capitalized words, flags, numbers) agree (J ≥ 0.5, or one side has none),
 *   - and their content words (stopwords removed, crude 5-letter stems) overlap:
 *     |A ∩ B| / min(|A|, |B|) ≥ threshold — a rephrasing often adds words, rarely removes the topic.
 * Text is compared after case, accent and punctuation folding. Threshold and its precision and
 * recall on the labelled set: README "Question pools".
 */
export const NEAR_DUPLICATE_THRESHOLD = 0.5;

export type Comparable = { prompt: string; choices: readonly string[]; answerIndex: number };

export type Signature = {
  answer: ReadonlySet<string>;
  content: ReadonlySet<string>;
  entities: ReadonlySet<string>;
};

// One union list for every language: cross-language stopwords are harmless here, and the Spanish
// list of the package is short. Quiz boilerplate counts as stopwords too.
const STOPWORDS = new Set(
  [
    ...eng, ...fra, ...spa,
    'true', 'false', 'vrai', 'faux', 'verdadero', 'falso', 'este', 'esta', 'estos', 'es', 'son', 'cual', 'cuales',
    'quel', 'quelle', 'quels', 'quelles', 'lequel', 'laquelle', 'which', 'what', 'who', 'whom', 'whose',
  ].map(normalizeQuestionText),
);

function words(text: string): string[] {
  return normalizeQuestionText(text).split(' ').filter((word) => word.length > 0 && !STOPWORDS.has(word));
}

// "écrit"/"écrits", "pintó"/"pintado": a prefix is a cheap stemmer for three languages at once.
const stem = (word: string) => word.slice(0, 5);

/** Capitalized words (not question words), flags and other symbols, numbers: what a question is about. */
function entitiesOf(text: string): Set<string> {
  const entities = new Set<string>();
  for (const raw of text.normalize('NFC').split(/[\s\p{P}]+/u)) {
    if (raw.length === 0) continue;
    const folded = normalizeQuestionText(raw);
    if (folded.length === 0) continue;
    const capitalized = /^\p{Lu}/u.test(raw);
    const symbolic = /[^\p{L}]/u.test(raw);
    if ((capitalized && !STOPWORDS.has(folded)) || symbolic) entities.add(folded);
  }
  return entities;
}

export function signatureOf(question: Comparable): Signature {
  const answerText = question.choices[question.answerIndex] ?? '';
  return {
    answer: new Set(words(answerText)),
    content: new Set(words(question.prompt).map(stem)),
    entities: entitiesOf(question.prompt),
  };
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  return shared / Math.min(a.size, b.size);
}

/** 0 when answers or entities disagree, else how much of the shorter prompt the longer one covers. */
export function similarity(a: Signature, b: Signature): number {
  if (jaccard(a.answer, b.answer) < 0.5) return 0;
  if (a.entities.size > 0 && b.entities.size > 0 && jaccard(a.entities, b.entities) < 0.5) return 0;
  return overlap(a.content, b.content);
}

export function isNearDuplicate(a: Comparable, b: Comparable, threshold = NEAR_DUPLICATE_THRESHOLD): boolean {
  return similarity(signatureOf(a), signatureOf(b)) >= threshold;
}

/**
 * The signatures of a whole pool. Candidates are compared only with questions sharing an answer
 * word, so a 500-question pool costs a few comparisons per candidate, not 500.
 */
export class NearDuplicateIndex {
  private readonly byAnswerWord = new Map<string, Signature[]>();

  constructor(private readonly threshold = NEAR_DUPLICATE_THRESHOLD) {}

  add(question: Comparable): void {
    const signature = signatureOf(question);
    for (const word of signature.answer) {
      const bucket = this.byAnswerWord.get(word) ?? [];
      bucket.push(signature);
      this.byAnswerWord.set(word, bucket);
    }
  }

  hasNearDuplicate(question: Comparable): boolean {
    const signature = signatureOf(question);
    const checked = new Set<Signature>();
    for (const word of signature.answer) {
      for (const other of this.byAnswerWord.get(word) ?? []) {
        if (checked.has(other)) continue;
        checked.add(other);
        if (similarity(signature, other) >= this.threshold) return true;
      }
    }
    return false;
  }
}
