import { type GameState, isQuestionClosed } from './engine';

/**
 * What players of a game may read at any time (`games/{gameId}`), derived from the state alone so a
 * rebuild from the log writes the same document. A question's content, key, explanation and the
 * choices players made appear only once it closes: until then a player gets a question from
 * nextQuestion and its answer from submitAnswer, and nobody else learns either. Scores count closed
 * questions only, so another player's score cannot give a key away either.
 */
export type GameProjection = ReturnType<typeof projectionOf>;

export function projectionOf(state: GameState) {
  const game = state.game!;
  const scores: Record<string, number> = Object.fromEntries(state.players.map((player) => [player, 0]));
  const questions = state.questions.map((question) => {
    const closed = isQuestionClosed(state, question);
    const answered = Object.keys(question.answers).sort();
    const view = { q: question.q, round: question.round, shownTo: question.shownTo, answered, closed };
    if (!closed || !question.content) return view;
    const picks: Record<string, number> = {};
    const points: Record<string, number> = {};
    for (const [player, answer] of Object.entries(question.answers)) {
      picks[player] = answer.choice;
      points[player] = answer.points ?? 0;
      scores[player] = (scores[player] ?? 0) + (answer.points ?? 0);
    }
    return { ...view, questionId: question.questionId, ...question.content, picks, points };
  });
  return {
    gameId: game.gameId,
    mode: game.mode,
    createdBy: game.createdBy,
    joinCode: game.joinCode ?? null,
    pool: game.pool,
    questionCount: game.questionCount,
    timeLimitMs: game.timeLimitMs,
    maxPlayers: game.maxPlayers,
    createdAt: game.createdAt,
    status: state.status,
    players: state.players,
    round: state.round,
    roundsPlayed: state.roundsPlayed,
    questions,
    scores,
    seq: state.seq,
    lastAt: state.lastAt,
    endedAt: state.endedAt,
    endReason: state.endReason,
  };
}
