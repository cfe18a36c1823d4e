// What answers teach us about a question: pure decisions, no I/O (questionStats.ts stores and acts).

export type Level = 'easy' | 'medium' | 'hard';
export const LEVEL_NORMS: Record<Level, number> = { easy: 0.8, medium: 0.6, hard: 0.4 };

/**
 * Below this many answers nothing is decided: a few odd players must not flag a question. Answers
 * count once per player per question (questionStats.ts), so this is also the number of distinct
 * players a flag needs. The sign test alone would let 10 accounts that all pick one wrong choice flag
 * a question (z = √10 > 3.09); 30 means 30 accounts each dealt that question in a game. The deployed
 * value is the STATS_MIN_PLAYERS_TO_FLAG param (read from the function's environment, where Firebase
 * puts every param's value).
 */
export const MIN_ANSWERS_TO_FLAG = 30;

export function minPlayersToFlag(): number {
  const value = Number(process.env.STATS_MIN_PLAYERS_TO_FLAG);
  return Number.isInteger(value) && value > 0 ? value : MIN_ANSWERS_TO_FLAG;
}
/**
 * Answers before `difficulty` is recalibrated. At n = 100 the standard error of a correct rate is at
 * most √(0.25/100) = 0.05, so its 95% interval (±0.1) is half the 0.2 gap between two level norms:
 * enough to tell adjacent levels apart, not so many that a mislabelled question waits for weeks.
 */
export const MIN_ANSWERS_TO_RECALIBRATE = 100;
/** One-sided z for "clearly" (p < 0.001): with dozens of questions checked per game, 0.05 would flag good ones. */
export const Z_CLEAR = 3.09;
/** "Far outside its level's norm": farther than the gap between two levels' norms, plus that gap's half. */
export const FAR_FROM_NORM = 0.3;

export type QuestionStats = { dealt: number; answered: number; correct: number; timeMsSum: number; choices: Record<string, number> };

export type Verdict =
  | { flag: true; reason: string }
  | { flag: false; recalibrateTo?: Level; correctRate: number };

export function emptyStats(): QuestionStats {
  return { dealt: 0, answered: 0, correct: 0, timeMsSum: 0, choices: {} };
}

export function addStats(a: QuestionStats, b: Partial<QuestionStats>): QuestionStats {
  const choices = { ...a.choices };
  for (const [choice, count] of Object.entries(b.choices ?? {})) choices[choice] = (choices[choice] ?? 0) + count;
  return { dealt: a.dealt + (b.dealt ?? 0), answered: a.answered + (b.answered ?? 0), correct: a.correct + (b.correct ?? 0), timeMsSum: a.timeMsSum + (b.timeMsSum ?? 0), choices };
}

export function judgeQuestion(stats: QuestionStats, answerIndex: number, level: Level, minPlayers = MIN_ANSWERS_TO_FLAG): Verdict {
  const n = stats.answered;
  const rate = n > 0 ? stats.correct / n : 0;
  if (n < Math.max(minPlayers, 1)) return { flag: false, correctRate: rate };
  // 1. The most-picked wrong choice beats the key: a sign test between the two (each answer that
  //    picked one of them is a coin toss if they were equally attractive), and at least 1.5 times as often.
  const key = stats.choices[String(answerIndex)] ?? 0;
  const [topChoice, topCount] = Object.entries(stats.choices).filter(([choice]) => choice !== String(answerIndex)).sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  const pair = key + topCount;
  if (pair > 0 && topCount >= 1.5 * key && (topCount - pair / 2) / Math.sqrt(pair / 4) > Z_CLEAR) {
    return { flag: true, reason: `choice ${topChoice} was picked ${topCount} times, the key (${answerIndex}) ${key} times, of ${n} answers: the key may be wrong` };
  }
  // 2. A correct rate far from what its level expects, beyond what chance explains.
  const norm = LEVEL_NORMS[level];
  const z = (rate - norm) / Math.sqrt((norm * (1 - norm)) / n);
  if (Math.abs(rate - norm) >= FAR_FROM_NORM && Math.abs(z) > Z_CLEAR) {
    return { flag: true, reason: `correct rate ${rate.toFixed(2)} over ${n} answers, far from the ${level} norm of ${norm}` };
  }
  if (n < MIN_ANSWERS_TO_RECALIBRATE) return { flag: false, correctRate: rate };
  const nearest = (Object.entries(LEVEL_NORMS) as Array<[Level, number]>).sort((a, b) => Math.abs(a[1] - rate) - Math.abs(b[1] - rate))[0]![0];
  // Relabel only when the current level's norm lies outside the rate's 95% interval.
  const halfWidth = 1.96 * Math.sqrt((rate * (1 - rate)) / n);
  return nearest !== level && Math.abs(rate - norm) > halfWidth ? { flag: false, recalibrateTo: nearest, correctRate: rate } : { flag: false, correctRate: rate };
}
