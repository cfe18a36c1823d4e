import type { EventOf } from './events';

export type Answer = { choice: number; correct: boolean; at: number; elapsedMs: number; points: number | null };

export type QuestionState = {
  q: number;
  questionId: string;
  round: number;
  /** Set by its first QUESTION_SHOWN. */
  content: { prompt: string; choices: string[]; answerIndex: number; explanation: string; difficulty: string } | null;
  /** playerId → when the server showed it to them. */
  shownTo: Record<string, number>;
  buzzedBy: string | null;
  answers: Record<string, Answer>;
};

export type GameStatus = 'new' | 'lobby' | 'in_round' | 'between_rounds' | 'ended';

/** Everything a game is, folded from its log. Plain JSON: it is stored as is. */
export type GameState = {
  /** Events applied so far; the next one is event `seq + 1`. */
  seq: number;
  lastAt: number;
  status: GameStatus;
  game: (Omit<EventOf<'GAME_CREATED'>, 'v' | 'id' | 'type' | 'at'> & { createdAt: number }) | null;
  players: string[];
  scores: Record<string, number>;
  round: { number: number; kind: 'classic' | 'buzzer'; startedAt: number } | null;
  roundsPlayed: number;
  questions: QuestionState[];
  endedAt: number | null;
  endReason: 'completed' | 'time_up' | 'abandoned' | null;
};

export function initialState(): GameState {
  return { seq: 0, lastAt: 0, status: 'new', game: null, players: [], scores: {}, round: null, roundsPlayed: 0, questions: [], endedAt: null, endReason: null };
}

/** A question closes (its key may be shown to everyone) once every player who may answer it did, or its round ended. */
export function isQuestionClosed(state: GameState, question: QuestionState): boolean {
  if (state.status === 'ended') return true;
  if (!state.round || state.round.number !== question.round) return true;
  // In a buzzer round only the winner of the buzz answers: their answer closes the question.
  if (state.round.kind === 'buzzer' && question.buzzedBy !== null) return question.answers[question.buzzedBy] !== undefined;
  return state.players.length > 0 && state.players.every((player) => question.answers[player] !== undefined);
}
