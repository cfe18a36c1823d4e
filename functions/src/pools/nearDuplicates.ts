import { eng, fra, spa } from 'stopword';
import { normalizeQuestionText } from '../questions/question';

/**
 * Near-duplicate detection, anchored on the answer.
 *
 * Quiz questions of one pool share templates ("What is the capital of X?"), so plain word
 * Jaccard calls "capital of France" and "capital of Spain" closer than two phrasings of one
 * question. Two questions are near-duplicates when
 *   - their correct answers agree (word Jaccard ≥ 0.5, or one heads or ends the other: "Mozart"
 *     and "Wolfgang Amadeus Mozart"; number words, digits and roman numerals are one; by text, so
 *     reordered choices change nothing),
 *   - their numbers agree exactly and their names (capitalized words) are found on both sides, or
 *     one side's names, as written together ("South Sudan" is one), are all found on the other,
 *   - and their content words (the pool language's stopwords removed, a few synonyms folded, crude stems) overlap:
 *     |A ∩ B| / min(|A|, |B|) ≥ threshold — a rephrasing often adds words, rarely removes the topic.
 * Text is compared after case, accent and punctuation folding. Synonyms ("largest"/"biggest") are
 * out of reach without a language model. Threshold and its precision and recall on the tuning and
 * the untouched test set: docs/pools.md.
 */
export const NEAR_DUPLICATE_THRESHOLD = 0.4;
/** The embedding path's cosine (param NEAR_DUPLICATE_COSINE_PERCENT's default), chosen on the tuning set. */
export const NEAR_DUPLICATE_COSINE = 0.4;

export type Comparable = { prompt: string; choices: readonly string[]; answerIndex: number };

export type Signature = {
  answer: ReadonlySet<string>;
  answerWords: readonly string[];
  content: ReadonlySet<string>;
  /** Names: capitalized words, stemmed. */
  entities: ReadonlySet<string>;
  optionalEntities: ReadonlySet<string>;
  /** Names as written together: "South Sudan", "Sudán del Sur" are one name, not "Sudan" and another. */
  names: ReadonlySet<string>;
  /** Numbers, years, roman numerals, flags and other symbols: must agree exactly. */
  numbers: ReadonlySet<string>;
};

// Quiz boilerplate is a stopword in every language. Each pool's own language list is used: a
// union would drop the Spanish "Sur" of "Sudán del Sur" as French.
const QUIZ_WORDS = [
  'true', 'false', 'vrai', 'faux', 'verdadero', 'falso', 'este', 'esta', 'estos', 'es', 'son', 'cual', 'cuales',
  'quel', 'quelle', 'quels', 'quelles', 'lequel', 'laquelle', 'which', 'what', 'who', 'whom', 'whose',
  'does', 'following', 'name', 'known', 'called', 'suivants', 'suivantes', 'parmi', 'siguientes',
];
const stopwordSet = (...lists: string[][]) => new Set([...lists.flat(), ...QUIZ_WORDS].map(normalizeQuestionText));
const STOPWORDS_BY_LANG: Record<string, ReadonlySet<string>> = { en: stopwordSet(eng), fr: stopwordSet(fra), es: stopwordSet(spa) };
const ANY_LANGUAGE_STOPWORDS = stopwordSet(eng, fra, spa);
const stopwordsOf = (lang?: string) => (lang && STOPWORDS_BY_LANG[lang]) || ANY_LANGUAGE_STOPWORDS;

// "six", "6" and "VI" are one answer.
const NUMBER_WORDS: Record<string, string> = {};
[
  ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty'],
  ['zero', 'un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf', 'dix', 'onze', 'douze', 'treize', 'quatorze', 'quinze', 'seize', 'dix-sept', 'dix-huit', 'dix-neuf', 'vingt'],
  ['cero', 'uno', 'dos', 'tres', 'cuatro', 'cinco', 'seis', 'siete', 'ocho', 'nueve', 'diez', 'once', 'doce', 'trece', 'catorce', 'quince', 'dieciseis', 'diecisiete', 'dieciocho', 'diecinueve', 'veinte'],
].forEach((names) => names.forEach((name, value) => (NUMBER_WORDS[name] ??= String(value))));
const ROMAN = /^(?=[ivxlc]{2,}$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$/;
function romanValue(word: string): string {
  const values: Record<string, number> = { i: 1, v: 5, x: 10, l: 50, c: 100 };
  let total = 0;
  for (let i = 0; i < word.length; i++) {
    const value = values[word[i]!]!;
    total += value < (values[word[i + 1]!] ?? 0) ? -value : value;
  }
  return String(total);
}
const canonicalNumber = (word: string) => NUMBER_WORDS[word] ?? (ROMAN.test(word) ? romanValue(word) : word);

function words(text: string, stopwords: ReadonlySet<string>): string[] {
  return normalizeQuestionText(text).split(' ').filter((word) => word.length > 0 && !stopwords.has(word));
}

// "Olympics"/"Olympic", "cups"/"cup". Names keep the rest: "Austria" is not "Australia".
const singular = (word: string) => (word.length > 3 && word.endsWith('s') ? word.slice(0, -1) : word);
// "écrit"/"écrits", "pintó"/"pintado": a prefix is a cheap stemmer for three languages at once.
const stem = (word: string) => singular(word).slice(0, 5);

/**
 * Capitalized words (not stopwords) and numbers: what a question is about. A capitalized first word
 * of a sentence may be a name ("Kenya is…") or not ("Capital of…"): it goes to `optional`, which
 * may match but need not. A prompt in capitals says nothing by its case.
 */
function entitiesOf(text: string, stopwords: ReadonlySet<string>): { core: Set<string>; optional: Set<string>; numbers: Set<string>; names: Set<string> } {
  const core = new Set<string>();
  const optional = new Set<string>();
  const numbers = new Set<string>();
  const names = new Set<string>();
  const caseSpeaks = /\p{Ll}/u.test(text);
  for (const sentence of text.normalize('NFC').split(/[.!?¿¡…]+/u)) {
    const tokens = sentence.split(/[\s\p{P}]+/u).filter((token) => token.length > 0);
    // Capitalized words next to each other, or joined by at most two stopwords ("Bay of Pigs"), are one name.
    let run: string[] = [];
    let gap = 0;
    const close = () => {
      if (run.length > 0) names.add(run.join(' '));
      run = [];
      gap = 0;
    };
    tokens.forEach((raw, i) => {
      const folded = normalizeQuestionText(raw);
      if (folded.length === 0) return;
      if (stopwords.has(folded)) {
        if (run.length > 0 && ++gap > 2) close();
        return;
      }
      const number = canonicalNumber(folded);
      if (/[^\p{L}]/u.test(raw) || number !== folded) {
        numbers.add(number);
        close();
      } else if (caseSpeaks && /^\p{Lu}/u.test(raw)) {
        (i === 0 ? optional : core).add(singular(folded));
        run.push(singular(folded));
        gap = 0;
      } else close();
    });
    close();
  }
  for (const entity of core) optional.delete(entity);
  return { core, optional, numbers, names };
}

// Words quiz writers swap for one another, folded to one before stemming: a small, general list
// (chosen on the tuning set, never on the test set; docs/pools.md).
const SYNONYM_GROUPS = [
  'largest biggest greatest',
  'smallest tiniest',
  'highest tallest',
  'world earth planet globe monde terre planete mundo tierra planeta',
  'mountain peak summit montagne sommet montana cumbre',
  'haute haut elevee eleve alta alto elevada elevado',
  'grande mayor',
  'pequeno menor',
  'wrote penned authored',
  'hosted held staged',
  'located situated',
];
const SYNONYMS = new Map<string, string>();
for (const group of SYNONYM_GROUPS) {
  const [head, ...rest] = group.split(' ');
  for (const word of rest) SYNONYMS.set(word, head!);
}
const synonym = (word: string) => SYNONYMS.get(word) ?? word;

/** `lang` picks the stopword list; without it, the union of the supported languages' lists. */
export function signatureOf(question: Comparable, lang?: string): Signature {
  const stopwords = stopwordsOf(lang);
  const answerWords = words(question.choices[question.answerIndex] ?? '', stopwords).map(canonicalNumber);
  const { core, optional, numbers, names } = entitiesOf(question.prompt, stopwords);
  return {
    answer: new Set(answerWords),
    answerWords,
    content: new Set(words(question.prompt, stopwords).map((word) => stem(synonym(canonicalNumber(word))))),
    entities: core,
    optionalEntities: optional,
    names,
    numbers,
  };
}

function shared(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let count = 0;
  for (const item of a) if (b.has(item)) count++;
  return count;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  const both = shared(a, b);
  return both / (a.size + b.size - both);
}

function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  return shared(a, b) / Math.min(a.size, b.size);
}

/**
 * "Mozart" and "Wolfgang Amadeus Mozart", "Pacific" and "Pacific Ocean" are one answer: the short
 * one heads or ends the long one. "Pacific Ocean" and "Indian Ocean", or "Africa" and "Central
 * African CFA franc", are not.
 */
function sameAnswer(a: Signature, b: Signature): boolean {
  if (jaccard(a.answer, b.answer) >= 0.5) return true;
  const [short, long] = a.answerWords.length <= b.answerWords.length ? [a.answerWords, b.answerWords] : [b.answerWords, a.answerWords];
  if (short.length === 0) return false;
  const matches = (offset: number) => short.every((word, i) => long[offset + i] === word);
  return matches(0) || matches(long.length - short.length);
}

function entitiesFoundIn(a: Signature, b: Signature): boolean {
  for (const entity of a.entities) if (!b.entities.has(entity) && !b.optionalEntities.has(entity)) return false;
  return true;
}

function sameSubject(a: Signature, b: Signature): boolean {
  // 1945, "World War II": a number names the fact; any disagreement makes another question.
  if (a.numbers.size + b.numbers.size > 0 && jaccard(a.numbers, b.numbers) < 1) return false;
  // "Sudan" and "South Sudan" are different questions: each side's names must all be found on the
  // other (a text without capitals, "what is the capital of france", agrees with anything)…
  const hasCapitals = (s: Signature) => s.entities.size + s.optionalEntities.size > 0;
  if (!hasCapitals(a) || !hasCapitals(b)) return true;
  const aInB = entitiesFoundIn(a, b);
  const bInA = entitiesFoundIn(b, a);
  if (aInB && bInA) return true;
  // …unless the answer has words to anchor on, and one side only adds a name to two that already
  // agree: "Summer Olympics" and "Summer Olympic Games". A true/false statement is all names.
  const answered = a.answer.size > 0 && b.answer.size > 0;
  return answered && (aInB || bInA) && shared(a.entities, b.entities) >= 2;
}

/** 0 when answers or subjects disagree, else how much of the shorter prompt the longer one covers. */
export function similarity(a: Signature, b: Signature): number {
  if (!sameAnswer(a, b)) return 0;
  if (sameSubject(a, b)) return overlap(a.content, b.content);
  // One side's names all found on the other, and the numbers the same: "The Four Seasons" and "the
  // Baroque composer of The Four Seasons"; never "Sudan" and "South Sudan" (one name, written together).
  if (subjectWithin(a, b, false)) return overlap(a.content, b.content);
  return 0;
}

export function isNearDuplicate(a: Comparable, b: Comparable, lang?: string, threshold = NEAR_DUPLICATE_THRESHOLD): boolean {
  return similarity(signatureOf(a, lang), signatureOf(b, lang)) >= threshold;
}

/** `small` ⊆ `large`. */
function within(small: ReadonlySet<string>, large: ReadonlySet<string>): boolean {
  for (const item of small) if (!large.has(item)) return false;
  return true;
}

/**
 * A looser subject check: one side's names (as written together) are all found on the other, where
 * `sameSubject` wants both ways; a paraphrase often adds a detail ("the Baroque composer"). Numbers
 * must agree exactly on the lexical path; the embedding path lets one side add one ("created in 1928").
 */
function subjectWithin(a: Signature, b: Signature, numbersOneWay: boolean): boolean {
  // A true/false statement is all names and has no answer words to anchor on: both ways only.
  if (a.answer.size === 0 || b.answer.size === 0) return false;
  const numbers = numbersOneWay ? within(a.numbers, b.numbers) || within(b.numbers, a.numbers) : jaccard(a.numbers, b.numbers) === 1;
  return numbers && (within(a.names, b.names) || within(b.names, a.names));
}

/** Embeddings of prompts, unit length, looked up by prompt text; `threshold` is the cosine at or above which two agree. */
export type PromptEmbeddings = { vectorOf(prompt: string): Float32Array | undefined; threshold: number };

const dot = (a: Float32Array, b: Float32Array) => {
  let sum = 0;
  for (let i = 0; i < a.length && i < b.length; i++) sum += a[i]! * b[i]!;
  return sum;
};

/**
 * The embedding path: the lexical verdict, or answers that agree, one side's numbers and names
 * found on the other, and prompts whose embeddings' cosine reaches the threshold. A prompt without
 * a vector is an error, never a pass: the caller embeds every candidate first.
 */
export function isEmbeddingDuplicate(a: Signature & { prompt: string }, b: Signature & { prompt: string }, embeddings: PromptEmbeddings): boolean {
  if (!sameAnswer(a, b) || !subjectWithin(a, b, true)) return false;
  const va = embeddings.vectorOf(a.prompt);
  const vb = embeddings.vectorOf(b.prompt);
  if (!va || !vb) throw new Error('near-duplicate check without an embedding for a prompt');
  return dot(va, vb) >= embeddings.threshold;
}

/**
 * The signatures of a whole pool. Candidates are compared only with questions sharing an answer
 * word, so a 500-question pool costs a few comparisons per candidate, not 500. Answers without
 * words (true/false) share one bucket.
 */
export class NearDuplicateIndex {
  private readonly byAnswerWord = new Map<string, Array<Signature & { prompt: string }>>();

  constructor(
    private readonly lang?: string,
    private readonly threshold = NEAR_DUPLICATE_THRESHOLD,
    /** With embeddings, paraphrases the words miss are caught too (answers agree, so buckets still apply). */
    private readonly embeddings?: PromptEmbeddings,
  ) {}

  add(question: Comparable): void {
    const signature = { ...signatureOf(question, this.lang), prompt: question.prompt };
    for (const word of bucketsOf(signature)) {
      const bucket = this.byAnswerWord.get(word) ?? [];
      bucket.push(signature);
      this.byAnswerWord.set(word, bucket);
    }
  }

  hasNearDuplicate(question: Comparable): boolean {
    const signature = { ...signatureOf(question, this.lang), prompt: question.prompt };
    const checked = new Set<Signature>();
    for (const word of bucketsOf(signature)) {
      for (const other of this.byAnswerWord.get(word) ?? []) {
        if (checked.has(other)) continue;
        checked.add(other);
        if (similarity(signature, other) >= this.threshold) return true;
        if (this.embeddings && isEmbeddingDuplicate(signature, other, this.embeddings)) return true;
      }
    }
    return false;
  }
}

const bucketsOf = (signature: Signature): Iterable<string> => (signature.answer.size > 0 ? signature.answer : ['']);

/** One pair on the embedding path (the bench scores pairs with it). */
export function isNearDuplicateByEmbeddings(a: Comparable, b: Comparable, embeddings: PromptEmbeddings, lang?: string): boolean {
  const sa = { ...signatureOf(a, lang), prompt: a.prompt };
  const sb = { ...signatureOf(b, lang), prompt: b.prompt };
  return similarity(sa, sb) >= NEAR_DUPLICATE_THRESHOLD || isEmbeddingDuplicate(sa, sb, embeddings);
}
