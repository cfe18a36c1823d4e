import { eng, fra, spa } from 'stopword';
import { normalizeQuestionText } from '../questions/question';

/**
 * Near-duplicate detection, anchored on the answer.
 *
 * Quiz questions of one pool share templates ("What is the capital of X?"), so plain word
 * Jaccard calls "capital of France" and "capital of Spain" closer than two phrasings of one
 * question. Two questions are near-duplicates when
 *   - their correct answers share most words (J ≥ 0.5; by text, so reordered choices change nothing),
 *   - their named entities (capitalized words, flags, numbers) are the same (or one side has none),
 *   - and their content words (stopwords removed, crude 5-letter stems) overlap:
 *     |A ∩ B| / min(|A|, |B|) ≥ threshold — a rephrasing often adds words, rarely removes the topic.
 * Text is compared after case, accent and punctuation folding. Threshold and its precision and
 * recall on the labelled set: README "Question pools".
 */
export const NEAR_DUPLICATE_THRESHOLD = 0.6;

export type Comparable = { prompt: string; choices: readonly string[]; answerIndex: number };

export type Signature = {
  answer: ReadonlySet<string>;
  content: ReadonlySet<string>;
  entities: ReadonlySet<string>;
  optionalEntities: ReadonlySet<string>;
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

/**
 * Capitalized words (not stopwords), flags and other symbols, numbers: what a question is about.
 * A capitalized first word of a sentence may be a name ("Kenya is…") or not ("Capital of…"): it
 * goes to `optional`, which may match but need not.
 */
function entitiesOf(text: string): { core: Set<string>; optional: Set<string> } {
  const core = new Set<string>();
  const optional = new Set<string>();
  for (const sentence of text.normalize('NFC').split(/[.!?¿¡…]+/u)) {
    const tokens = sentence.split(/[\s\p{P}]+/u).filter((token) => token.length > 0);
    tokens.forEach((raw, i) => {
      const folded = normalizeQuestionText(raw);
      if (folded.length === 0 || STOPWORDS.has(folded)) return;
      if (/[^\p{L}]/u.test(raw)) core.add(folded);
      else if (/^\p{Lu}/u.test(raw)) (i === 0 ? optional : core).add(folded);
    });
  }
  for (const entity of core) optional.delete(entity);
  return { core, optional };
}

export function signatureOf(question: Comparable): Signature {
  const answerText = question.choices[question.answerIndex] ?? '';
  const { core, optional } = entitiesOf(question.prompt);
  return {
    answer: new Set(words(answerText)),
    content: new Set(words(question.prompt).map(stem)),
    entities: core,
    optionalEntities: optional,
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

function entitiesFoundIn(a: Signature, b: Signature): boolean {
  for (const entity of a.entities) if (!b.entities.has(entity) && !b.optionalEntities.has(entity)) return false;
  return true;
}

/** 0 when answers or entities disagree, else how much of the shorter prompt the longer one covers. */
export function similarity(a: Signature, b: Signature): number {
  if (jaccard(a.answer, b.answer) < 0.5) return 0;
  // "Sudan" and "South Sudan" are different questions: each side's entities must all be found
  // on the other (a text without capitals, "what is the capital of france", agrees with anything).
  const hasCapitals = (s: Signature) => s.entities.size + s.optionalEntities.size > 0;
  if (hasCapitals(a) && hasCapitals(b) && !(entitiesFoundIn(a, b) && entitiesFoundIn(b, a))) return 0;
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
