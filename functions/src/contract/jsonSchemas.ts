import { z } from 'zod';
import * as games from '../games/contract';
import { gameEventSchema } from '../games/engine';
import { ingestInput, ingestOutput } from '../games/ingest';
import { generationRequestSchema } from '../questions/poolParams';
import { PUBLIC_ERROR_CODES, type PublicErrorCode } from '../generation/publicErrors';
import { checkAnswersSchema, drawRequestSchema } from '../draws/drawQuestions';
import { chartsInput, chartsOutput } from '../admin/charts';

// The app's contract: every callable's input and reply as JSON Schema, so an app in any language
// validates against the same definitions the functions parse with. `npm run contract` writes them to
// contract/ at the repository root; test/contract.test.ts fails when the committed files drift.

const status = z.enum(['pending', 'running', 'done', 'failed']);
const requestGenerationOutput = z.object({ requestKey: z.string(), poolKey: z.string(), status, created: z.boolean() });
const drawnQuestion = z.object({ id: z.string(), prompt: z.string(), choices: z.array(z.string()), difficulty: z.string() });
const drawQuestionsOutput = z.object({
  poolKey: z.string(),
  questions: z.array(drawnQuestion),
  poolSize: z.int(),
  generating: z.object({ requestKey: z.string(), status: z.string() }).optional(),
  quotaResetsAt: z.string().optional(),
});
const checkAnswersOutput = z.object({
  results: z.array(z.union([
    z.object({ questionId: z.string(), correct: z.boolean(), answerIndex: z.int(), explanation: z.string() }),
    z.object({ questionId: z.string(), alreadyAnswered: z.literal(true) }),
  ])),
});
/** generation_status/{requestKey}, what the app listens to after requestGeneration. */
const generationStatusDoc = z.object({
  status,
  generated: z.int().optional(),
  poolSize: z.int().optional(),
  /** The pool's target: one generation per pool, raised by a request for more (may exceed the caller's). */
  target: z.int().optional(),
  /** A fixed client-safe sentence; the raw error is admin-only (request detail). */
  error: z.string().nullable().optional(),
  errorCode: z.enum(Object.keys(PUBLIC_ERROR_CODES) as [PublicErrorCode, ...PublicErrorCode[]]).nullable().optional(),
});

const callables: Record<string, { input: z.ZodType; output: z.ZodType }> = {
  requestGeneration: { input: generationRequestSchema, output: requestGenerationOutput },
  drawQuestions: { input: drawRequestSchema, output: drawQuestionsOutput },
  checkAnswers: { input: checkAnswersSchema, output: checkAnswersOutput },
  createGame: { input: games.createGameInput, output: games.createGameOutput },
  joinGame: { input: games.joinGameInput, output: games.joinGameOutput },
  startGame: { input: games.gameRefInput, output: games.startGameOutput },
  nextQuestion: { input: games.gameRefInput, output: games.nextQuestionOutput },
  submitAnswer: { input: games.submitAnswerInput, output: games.submitAnswerOutput },
  rebuildGame: { input: games.gameRefInput, output: games.rebuildGameOutput },
  // The console's (admin or viewer): time series for the overview's charts.
  adminCharts: { input: chartsInput, output: chartsOutput },
  // HTTPS for game servers (not a callable): the body and the 200 reply.
  ingestGameEvents: { input: ingestInput.extend({ events: z.array(gameEventSchema).min(1).max(500) }), output: ingestOutput },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output', title: string): string {
  return `${JSON.stringify({ title, ...z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) }, null, 2)}\n`;
}

/** File name → content, for every file of contract/. */
export function contractFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, { input, output }] of Object.entries(callables)) {
    files[`${name}.input.json`] = jsonSchema(input, 'input', `${name} input`);
    files[`${name}.output.json`] = jsonSchema(output, 'output', `${name} output`);
  }
  files['gameEvent.json'] = jsonSchema(gameEventSchema, 'output', 'game event (version 1)');
  files['generationStatus.json'] = jsonSchema(generationStatusDoc, 'output', 'generation_status document');
  return files;
}
