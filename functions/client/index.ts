// A small typed client for the app (Firebase JS SDK: firebase/functions + firebase/firestore).
// Types come from the same zod schemas as the callables and the JSON Schema files in contract/.
import type { FirebaseApp } from 'firebase/app';
import { type Firestore, collection, doc, getDocs, getFirestore, onSnapshot, orderBy, query } from 'firebase/firestore';
import { type Functions, getFunctions, httpsCallable } from 'firebase/functions';
import type { z } from 'zod';
import type { createGameInput, CreateGameOutput, joinGameInput, JoinGameOutput, NextQuestionOutput, RebuildGameOutput, StartGameOutput, submitAnswerInput, SubmitAnswerOutput } from '../src/games/contract';
import type { GameEvent } from '../src/games/engine';
import type { GameProjection } from '../src/games/projection';
import type { AcceptedRequest } from '../src/generation/acceptGenerationRequest';
import type { PublicErrorCode } from '../src/generation/publicErrors';
import type { GenerationRequestInput } from '../src/questions/poolParams';
import type { CheckedAnswer, DrawResult } from '../src/draws/drawQuestions';
import type { PoolParamsInput } from '../src/questions/poolParams';

/** `errorCode` is stable (contract/generationStatus.json lists them); `error` is a fixed sentence for people. */
/** `target` is the pool's: a request for more raises it (one generation per pool), so it may exceed the caller's. */
export type GenerationStatus = { status: 'pending' | 'running' | 'done' | 'failed'; generated?: number; poolSize?: number; target?: number; error?: string | null; errorCode?: PublicErrorCode | null };

export class QuestionFactoryClient {
  readonly functions: Functions;
  readonly firestore: Firestore;

  constructor(app: FirebaseApp, options: { functions?: Functions; firestore?: Firestore } = {}) {
    this.functions = options.functions ?? getFunctions(app);
    this.firestore = options.firestore ?? getFirestore(app);
  }

  private async call<I, O>(name: string, input: I): Promise<O> {
    return (await httpsCallable<I, O>(this.functions, name)(input)).data;
  }

  requestGeneration(input: GenerationRequestInput): Promise<AcceptedRequest> {
    return this.call('requestGeneration', input);
  }

  /** Follows a request's progress; attach it before requestGeneration to miss nothing. Returns the unsubscribe function. */
  onGenerationStatus(requestKey: string, listener: (status: GenerationStatus | undefined) => void, onError?: (error: Error) => void): () => void {
    return onSnapshot(doc(this.firestore, 'generation_status', requestKey), (snapshot) => listener(snapshot.data() as GenerationStatus | undefined), onError);
  }

  drawQuestions(input: { pool: PoolParamsInput; count: number }): Promise<DrawResult> {
    return this.call('drawQuestions', input);
  }

  async checkAnswers(input: { pool: PoolParamsInput; answers: Array<{ questionId: string; choice: number }> }): Promise<CheckedAnswer[]> {
    return (await this.call<typeof input, { results: CheckedAnswer[] }>('checkAnswers', input)).results;
  }

  createGame(input: z.input<typeof createGameInput>): Promise<CreateGameOutput> {
    return this.call('createGame', input);
  }

  joinGame(input: z.input<typeof joinGameInput>): Promise<JoinGameOutput> {
    return this.call('joinGame', input);
  }

  startGame(gameId: string): Promise<StartGameOutput> {
    return this.call('startGame', { gameId });
  }

  nextQuestion(gameId: string): Promise<NextQuestionOutput> {
    return this.call('nextQuestion', { gameId });
  }

  submitAnswer(input: z.input<typeof submitAnswerInput>): Promise<SubmitAnswerOutput> {
    return this.call('submitAnswer', input);
  }

  /** Admins: fold a game's log and rewrite its projection. */
  rebuildGame(gameId: string): Promise<RebuildGameOutput> {
    return this.call('rebuildGame', { gameId });
  }

  /** The game as its players see it (games/{gameId}), live. */
  onGame(gameId: string, listener: (game: GameProjection | undefined) => void, onError?: (error: Error) => void): () => void {
    return onSnapshot(doc(this.firestore, 'games', gameId), (snapshot) => listener(snapshot.data() as GameProjection | undefined), onError);
  }

  /** The game's log, readable by its players once it ended. */
  async gameEvents(gameId: string): Promise<Array<GameEvent & { seq: number }>> {
    const snapshot = await getDocs(query(collection(this.firestore, 'games', gameId, 'events'), orderBy('seq')));
    return snapshot.docs.map((item) => item.data() as GameEvent & { seq: number });
  }
}
