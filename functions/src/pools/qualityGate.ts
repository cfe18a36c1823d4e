import { detectAll } from 'tinyld';
import { normalizeQuestionText, questionIdOf, questionSchema, type Question } from '../questions/question';
import { FLAW_REASONS, itemFlawOf, PoolLeanings, shuffleChoices } from './itemFlaws';
import { NearDuplicateIndex, type Comparable, type PromptEmbeddings } from './nearDuplicates';
import type { StoredQuestion } from './poolStore';

export const REJECTION_REASONS = [
  'invalid-shape',
  'answer-out-of-range',
  'duplicate-choices',
  'answer-ambiguous',
  'too-long',
  'wrong-language',
  'duplicate',
  'near-duplicate',
  ...FLAW_REASONS,
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];
export type RejectionCounts = Partial<Record<RejectionReason, number>>;

export const LIMITS = { promptChars: 300, choiceChars: 120, explanationChars: 500, totalChars: 900 } as const;
/** Below this many letters a detector guesses; such prompts are not judged on language. */
const MIN_LETTERS_FOR_LANGUAGE = 12;
/** Languages a generator could plausibly drift into; short texts otherwise match rare languages by chance. */
const DETECTABLE = ['en', 'fr', 'es', 'de', 'it', 'pt', 'nl', 'ru', 'pl', 'tr', 'ja', 'zh', 'ko', 'ar', 'hi'];

/**
 * The language of a prompt, judged sensibly: proper nouns, flags and numbers carry no language,
 * so capitalized words after the first (names) and non-letters are dropped before detection, and
 * a prompt passes when the requested language is among the plausible answers (≥ 40 % of the best).
 * Choices are not judged (often names), nor explanations (facts ones are terse "Country: X." labels).
 */
export function speaksLanguage(prompt: string, lang: string): boolean {
  const words = prompt.replace(/[^\p{L}\s'’-]/gu, ' ').split(/\s+/).filter((word) => word.length > 0);
  const text = words.filter((word, i) => i === 0 || !/^\p{Lu}/u.test(word)).join(' ');
  if (text.replace(/[^\p{L}]/gu, '').length < MIN_LETTERS_FOR_LANGUAGE) return true;
  const guesses = detectAll(text, { only: DETECTABLE.includes(lang) ? DETECTABLE : [...DETECTABLE, lang] });
  const best = guesses[0];
  if (!best) return true;
  return guesses.some((guess) => guess.lang === lang && guess.accuracy >= best.accuracy * 0.4);
}

/** Why one question is not worth storing, or undefined when it is. */
export function rejectionOf(candidate: unknown, lang: string): RejectionReason | undefined {
  const parsed = questionSchema.safeParse(candidate);
  if (!parsed.success) {
    const tooLong = parsed.error.issues.some((issue) => issue.code === 'too_big' && issue.origin === 'string');
    return tooLong ? 'too-long' : 'invalid-shape';
  }
  const question = parsed.data;
  if (question.answerIndex >= question.choices.length) return 'answer-out-of-range';
  const folded = question.choices.map(normalizeQuestionText);
  if (folded.some((choice) => choice.length === 0) || new Set(folded).size !== folded.length) return 'duplicate-choices';
  // "All of the above" makes more than one choice right.
  if (folded.some((choice) => /^(all|none) of the above$|^(toutes|aucune) (les reponses )?ci dessus$|^(todas|ninguna) (las )?anteriores$/.test(choice))) {
    return 'answer-ambiguous';
  }
  const total = question.prompt.length + question.choices.join('').length + question.explanation.length;
  if (total > LIMITS.totalChars) return 'too-long';
  if (!speaksLanguage(question.prompt, lang)) return 'wrong-language';
  return undefined;
}

export type ScreenInput = {
  lang: string;
  candidates: readonly unknown[];
  /** Every question already in the pool: candidates are compared with all of them. */
  pool: readonly (Comparable & { id: string })[];
  /** At most this many are accepted; the rest are left unjudged. */
  limit: number;
  /** The pool's question type: the flaw linter judges leanings (longest keys, true/false balance) by it. */
  type?: 'mcq' | 'true_false';
  /** The embedding path: prompt embeddings of the pool and of every candidate (see `screenablePrompts`). */
  embeddings?: PromptEmbeddings;
};

/** The prompts the screen may compare: the pool's, and those of candidates the gate does not turn away. */
export function screenablePrompts(input: Pick<ScreenInput, 'lang' | 'candidates' | 'pool'>): string[] {
  const candidates = input.candidates.filter((candidate) => rejectionOf(candidate, input.lang) === undefined).map((candidate) => (candidate as Question).prompt);
  return [...input.pool.map((question) => question.prompt), ...candidates];
}

export type ScreenResult = { accepted: StoredQuestion[]; rejected: RejectionCounts; rejectedIds: string[] };

/**
 * The quality gate and the duplicate filter, in one pass: returns the candidates worth storing,
 * in order, up to `limit`, and how many were turned away for each reason.
 */
export function screenCandidates(input: ScreenInput): ScreenResult {
  const index = new NearDuplicateIndex(input.lang, undefined, input.embeddings);
  const ids = new Set<string>();
  for (const question of input.pool) {
    index.add(question);
    ids.add(question.id);
  }
  const type = input.type ?? 'mcq';
  const leanings = new PoolLeanings(type);
  for (const question of input.pool) if (Array.isArray(question.choices)) leanings.add(question);
  const accepted: StoredQuestion[] = [];
  const rejected: RejectionCounts = {};
  const rejectedIds: string[] = [];
  const reject = (reason: RejectionReason, candidate: unknown) => {
    rejected[reason] = (rejected[reason] ?? 0) + 1;
    const prompt = (candidate as { prompt?: unknown } | null)?.prompt;
    if (typeof prompt === 'string') rejectedIds.push(questionIdOf(prompt));
  };
  for (const candidate of input.candidates) {
    if (accepted.length >= input.limit) break;
    const reason = rejectionOf(candidate, input.lang);
    if (reason) {
      reject(reason, candidate);
      continue;
    }
    const parsed: Question = questionSchema.parse(candidate);
    const id = questionIdOf(parsed.prompt);
    // A model's choice order carries its position bias: stored in an order fixed by the id instead.
    const question = parsed.source === 'openai' ? shuffleChoices(parsed, id, type, leanings.keyPositionFor(id, parsed.choices.length)) : parsed;
    // Without a pool type, two choices read as a true/false statement.
    const itemType = input.type ?? (question.choices.length === 2 ? 'true_false' : 'mcq');
    const flaw = itemFlawOf(question, input.lang, itemType) ?? (question.source === 'openai' ? leanings.leaningOf(question) : undefined);
    if (flaw) {
      reject(flaw, candidate);
      continue;
    }
    if (ids.has(id)) {
      reject('duplicate', candidate);
      continue;
    }
    if (index.hasNearDuplicate(question)) {
      reject('near-duplicate', candidate);
      continue;
    }
    ids.add(id);
    index.add(question);
    leanings.add(question);
    accepted.push({ id, ...question });
  }
  return { accepted, rejected, rejectedIds };
}

export function addCounts(a: RejectionCounts, b: RejectionCounts): RejectionCounts {
  const sum: RejectionCounts = { ...a };
  for (const [reason, count] of Object.entries(b) as [RejectionReason, number][]) sum[reason] = (sum[reason] ?? 0) + count;
  return sum;
}

/**
 * An admin's edit of a stored question, judged like a generated candidate: the same schema, gate and
 * item linter, exact and near duplicates against the rest of the pool (`pool` without the question
 * itself). Choices keep the admin's order and pool leanings are not judged: the edit is deliberate.
 */
export function rejectionOfEdit(input: { lang: string; type: 'mcq' | 'true_false'; question: Question; pool: readonly (Comparable & { id: string })[]; ownIds: readonly string[] }): RejectionReason | undefined {
  const reason = rejectionOf(input.question, input.lang);
  if (reason) return reason;
  const flaw = itemFlawOf(input.question, input.lang, input.type);
  if (flaw) return flaw;
  const others = input.pool.filter((q) => !input.ownIds.includes(q.id));
  if (others.some((q) => q.id === questionIdOf(input.question.prompt))) return 'duplicate';
  const index = new NearDuplicateIndex(input.lang);
  for (const question of others) index.add(question);
  return index.hasNearDuplicate(input.question) ? 'near-duplicate' : undefined;
}
