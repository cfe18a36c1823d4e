import type { PoolParams } from './poolParams';
import { InvalidInputError } from '../shared/errors';
import type { QuestionGenerator } from './generator';

/** The first configured generator that can serve these params (facts before OpenAI: see config/dependencies). */
export function pickGenerator(generators: readonly QuestionGenerator[], params: PoolParams): QuestionGenerator {
  const reasons: string[] = [];
  for (const generator of generators) {
    const support = generator.supports(params);
    if (support.ok) return generator;
    reasons.push(support.reason);
  }
  throw new InvalidInputError(`No question generator can serve this pool: ${reasons.join('; ')}`);
}

/** Model work costs tokens; offline generators (facts, trending facts) are free and never stopped by a token budget. */
export function isPaidGenerator(generator: QuestionGenerator): boolean {
  return generator.name === 'openai';
}
