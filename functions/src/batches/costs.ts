import { z } from 'zod';

/** USD per million tokens. */
export type ModelPrice = { input: number; cachedInput: number; output: number };
export type PriceTable = Record<string, ModelPrice>;
export type TokenUsage = { tokensIn: number; cachedTokensIn: number; tokensOut: number };

/** OpenAI bills Batch API requests at half the synchronous price. */
export const BATCH_API_PRICE_FACTOR = 0.5;

// Rough sizes for estimates, measured on the sync generator's prompt: system + user prompt per call,
// and one question of output (prompt, four choices, explanation) in JSON.
export const ESTIMATED_PROMPT_TOKENS_PER_CALL = 450;
export const ESTIMATED_OUTPUT_TOKENS_PER_QUESTION = 110;

const priceSchema = z.record(z.string(), z.object({ input: z.number().nonnegative(), cachedInput: z.number().nonnegative(), output: z.number().nonnegative() }));

export function parsePriceTable(json: string): PriceTable {
  try {
    return priceSchema.parse(JSON.parse(json));
  } catch (error) {
    throw new Error(`MODEL_PRICES is not a valid price table: ${String(error)}`);
  }
}

/** A model missing from the table is priced as the table's "default" entry (or free if there is none). */
export function priceOf(table: PriceTable, model: string): ModelPrice {
  return table[model] ?? table['default'] ?? { input: 0, cachedInput: 0, output: 0 };
}

export function costUsd(price: ModelPrice, usage: TokenUsage, mode: 'sync' | 'batch' = 'sync'): number {
  const uncached = Math.max(0, usage.tokensIn - usage.cachedTokensIn);
  const sync = (uncached * price.input + usage.cachedTokensIn * price.cachedInput + usage.tokensOut * price.output) / 1_000_000;
  return roundUsd(mode === 'batch' ? sync * BATCH_API_PRICE_FACTOR : sync);
}

export function roundUsd(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
