import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import type { PoolParams } from '../poolParams';
import { questionSchema } from '../question';

/** What the model writes per question: the stored shape without what we add (source, model). */
const modelQuestionSchema = questionSchema.omit({ source: true, model: true });

/** Parsing accepts any valid count of choices; the quality gate judges the count for the pool type. */
export const modelOutputSchema = z.object({ questions: z.array(modelQuestionSchema).min(1) });

/** The same schema narrowed to the pool's type, for the model: exact choice count and key range. */
export function modelOutputSchemaFor(type: PoolParams['type']) {
  const choices = type === 'mcq' ? 4 : 2;
  return z.object({
    questions: z.array(modelQuestionSchema.extend({
      choices: modelQuestionSchema.shape.choices.length(choices),
      answerIndex: modelQuestionSchema.shape.answerIndex.max(choices - 1),
    })).min(1),
  });
}

/** Structured output derived from the zod schema (strict: every property required, no extras). */
export function responseFormatFor(type: PoolParams['type']) {
  const format = zodResponseFormat(modelOutputSchemaFor(type), 'quiz_questions');
  // Plain data only: the body is also written into Batch API JSONL.
  return { type: 'json_schema' as const, json_schema: { name: format.json_schema.name, strict: true, schema: format.json_schema.schema as Record<string, unknown> } };
}
