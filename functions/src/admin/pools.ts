import type { Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { NotFoundError } from '../shared/errors';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import { acceptGenerationRequest, type AcceptDeps } from '../generation/acceptGenerationRequest';
import { MAX_TARGET_COUNT } from '../questions/poolParams';
import { poolItems, POOLS } from '../pools/poolStore';
import { QUESTION_STATES, setQuestionState } from '../pools/questionState';
import { addStats, emptyStats, type QuestionStats } from '../games/answerStats';
import { QUESTION_STATS, STAT_SHARDS, statId } from '../games/questionStats';
import { listPools } from './queries/listPools';
import { poolRejections } from './queries/poolRejections';

const poolKey = z.string().min(3).max(400).regex(/^[^/]+$/, 'is not a pool key');

const listSchema = z.strictObject({
  prefix: z.string().trim().toLowerCase().max(400).optional(),
  after: poolKey.optional(),
  limit: z.int().min(1).max(200).default(50),
});

/** Postgres lists the pools (every pool was written by a request); Firestore says how many questions each holds. */
export async function listPoolsPage(deps: { db: Queryable; firestore: Firestore }, input: unknown) {
  const { prefix, after, limit } = parseInput(listSchema, input ?? {});
  const rows = await listPools(deps.db, { prefix: prefix || undefined, after, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const [docs, rejections] = await Promise.all([
    page.length ? deps.firestore.getAll(...page.map((p) => deps.firestore.collection(POOLS).doc(p.poolKey))) : [],
    poolRejections(deps.db, page.map((p) => p.poolKey)),
  ]);
  const pools = page.map((p, i) => {
    const snapshot = docs[i];
    const updatedAt = snapshot?.exists ? snapshot.get('updatedAt')?.toDate?.() as Date | undefined : undefined;
    return {
      poolKey: p.poolKey,
      params: p.params,
      lang: typeof p.params?.lang === 'string' ? p.params.lang : null,
      generator: p.generator,
      size: snapshot?.exists ? ((snapshot.get('count') as number | undefined) ?? null) : 0,
      lastWriteAt: updatedAt?.toISOString() ?? p.lastWriteAt,
      requests: p.requests,
      /** Candidates turned away by reason (gate, linter, verifier), over all the pool's requests. */
      rejected: rejections.get(p.poolKey) ?? {},
    };
  });
  return { pools, ...(rows.length > limit ? { next: page[page.length - 1]!.poolKey } : {}) };
}

const questionsSchema = z.strictObject({
  poolKey,
  state: z.enum(['all', ...QUESTION_STATES]).default('all'),
  after: z.string().max(200).optional(),
  limit: z.int().min(1).max(500).default(100),
});

/** A pool's questions with their answers and states; "active" includes questions without a state. */
export async function listPoolQuestions(deps: { db: Queryable; firestore: Firestore }, input: unknown) {
  const { firestore } = deps;
  const { poolKey: key, state, after, limit } = parseInput(questionsSchema, input);
  const poolDoc = await firestore.collection(POOLS).doc(key).get();
  if (!poolDoc.exists) throw new NotFoundError(`No pool ${key}`);
  // Absent means active, so the state is filtered here, on ordered pages of ids.
  let query = poolItems(firestore, key).orderBy('__name__').limit(state === 'all' ? limit + 1 : 1000);
  if (after) query = query.startAfter(after);
  const snapshot = await query.get();
  const all = snapshot.docs.map((doc) => {
    const d = doc.data();
    return {
      id: doc.id, prompt: d.prompt as string, choices: d.choices as string[], answerIndex: d.answerIndex as number, explanation: d.explanation as string | undefined,
      difficulty: d.difficulty as unknown, source: d.source as string | undefined, model: d.model as string | undefined,
      state: (d.state as string | undefined) ?? 'active', stateReason: (d.stateReason as string | null | undefined) ?? null, stateBy: (d.stateBy as string | undefined) ?? null, stateAt: (d.stateAt as string | undefined) ?? null,
    };
  });
  const matching = state === 'all' ? all : all.filter((q) => q.state === state);
  const page = matching.slice(0, limit);
  const more = matching.length > limit || (state !== 'all' && snapshot.size === 1000);
  const [states, answers, rejections] = await Promise.all([countStates(firestore, key), answerStats(firestore, key, page.map((q) => q.id)), poolRejections(deps.db, [key])]);
  return {
    pool: {
      poolKey: key, params: poolDoc.get('params') ?? null, count: (poolDoc.get('count') as number | undefined) ?? all.length, updatedAt: poolDoc.get('updatedAt')?.toDate?.().toISOString() ?? null, states,
      rejected: rejections.get(key) ?? {},
    },
    questions: page.map((q, i) => ({ ...q, answers: answers[i] ?? null })),
    ...(more && page.length ? { next: page[page.length - 1]!.id } : {}),
  };
}

/** Questions by state, from three count aggregations (absent state = active, so active is the rest). */
async function countStates(firestore: Firestore, key: string): Promise<Record<'active' | 'flagged' | 'removed', number>> {
  const items = poolItems(firestore, key);
  const [total, flagged, removed] = await Promise.all([
    items.count().get(), items.where('state', '==', 'flagged').count().get(), items.where('state', '==', 'removed').count().get(),
  ]);
  const f = flagged.data().count;
  const r = removed.data().count;
  return { active: total.data().count - f - r, flagged: f, removed: r };
}

export type AnswerSummary = { answered: number; correct: number; correctRate: number | null; meanTimeMs: number | null };

/** Each listed question's answers (games' question_stats shards, one batched read); null when never answered. */
async function answerStats(firestore: Firestore, key: string, ids: string[]): Promise<Array<AnswerSummary | null>> {
  if (ids.length === 0) return [];
  const refs = ids.flatMap((id) => Array.from({ length: STAT_SHARDS }, (_, shard) => firestore.collection(QUESTION_STATS).doc(statId(key, id)).collection('shards').doc(String(shard))));
  const shards = await firestore.getAll(...refs);
  return ids.map((_, i) => {
    const total = shards.slice(i * STAT_SHARDS, (i + 1) * STAT_SHARDS)
      .reduce((sum, shard) => (shard.exists ? addStats(sum, shard.data() as Partial<QuestionStats>) : sum), emptyStats());
    if (total.answered === 0) return null;
    return { answered: total.answered, correct: total.correct, correctRate: total.correct / total.answered, meanTimeMs: Math.round(total.timeMsSum / total.answered) };
  });
}

export const questionStateSchema = z.strictObject({
  poolKey,
  questionId: z.string().min(1).max(200).regex(/^[^/]+$/, 'is not a question id'),
  state: z.enum(QUESTION_STATES),
  reason: z.string().trim().max(500).optional(),
});

export async function changeQuestionState(firestore: Firestore, input: unknown, by: string) {
  const change = parseInput(questionStateSchema, input);
  return setQuestionState(firestore, { ...change, by });
}

export const topUpSchema = z.strictObject({ poolKey, targetCount: z.int().min(1).max(MAX_TARGET_COUNT) });

/** "This pool should hold N questions": the same accept path as the app's, requested by the admin. */
export async function topUpPool(deps: AcceptDeps, input: unknown, uid: string) {
  const { poolKey: key, targetCount } = parseInput(topUpSchema, input);
  const poolDoc = await deps.firestore.collection(POOLS).doc(key).get();
  const params = poolDoc.exists ? poolDoc.get('params') : undefined;
  if (!params) throw new NotFoundError(`No pool ${key}`);
  return acceptGenerationRequest(deps, uid, { pool: params, targetCount });
}
