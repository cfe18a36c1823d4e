import type { PoolParams } from './poolParams';
import type { Question } from './question';

export type GenerateInput = {
  params: PoolParams;
  /** How many new questions are wanted. */
  count: number;
  /** Ids already in the pool: never produce them again. */
  excludeIds: ReadonlySet<string>;
  /** Prompts the pool already holds (and this run added), oldest first: shown to a model so it repeats less. */
  existingPrompts?: readonly string[];
  /** Epoch ms by which the call must be over: the lease ends soon after. */
  deadline?: number;
};

export type GeneratedBatch = {
  questions: Question[];
  model: string;
  tokensIn: number;
  tokensOut: number;
  /** Prompt tokens the provider served from its prompt cache (part of tokensIn, billed at a discount). */
  cachedTokensIn?: number;
  /** Paid model calls this batch took (0 for offline generators). */
  modelCalls: number;
  /** The generator cannot produce more distinct questions for these params. */
  exhausted: boolean;
};

export type Support = { ok: true } | { ok: false; reason: string };

/** A source of questions: the OpenAI model or the offline facts generator. */
export interface QuestionGenerator {
  readonly name: Question['source'];
  /** Most questions one generate() should be asked for: each batch is persisted before the next. */
  readonly maxPerCall: number;
  supports(params: PoolParams): Support;
  generate(input: GenerateInput): Promise<GeneratedBatch>;
}
