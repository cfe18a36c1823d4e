import type { PoolParams } from '../generation/poolParams';
import type { Question } from './question';

export type GenerateInput = {
  params: PoolParams;
  /** How many new questions are wanted. */
  count: number;
  /** Ids already in the pool: never produce them again. */
  excludeIds: ReadonlySet<string>;
};

export type GeneratedBatch = {
  questions: Question[];
  model: string;
  tokensIn: number;
  tokensOut: number;
  /** The generator cannot produce more distinct questions for these params. */
  exhausted: boolean;
};

export type Support = { ok: true } | { ok: false; reason: string };

/** A source of questions: the OpenAI model or the offline facts generator. */
export interface QuestionGenerator {
  readonly name: Question['source'];
  supports(params: PoolParams): Support;
  generate(input: GenerateInput): Promise<GeneratedBatch>;
}
