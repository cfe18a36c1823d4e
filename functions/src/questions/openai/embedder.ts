import OpenAI from 'openai';
import { tracedOperation } from '../../shared/roundTrips';
import { classifyModelError } from './openaiGenerator';
import { billedUsageOf, ModelUnavailableError, withBilledUsage } from './modelErrors';

/** Turns texts into vectors; `tokens` is what the provider billed for the texts it embedded. */
export interface TextEmbedder {
  readonly model: string;
  embed(texts: readonly string[], deadline?: number): Promise<{ vectors: Float32Array[]; tokens: number; calls: number }>;
}

export type OpenAIEmbedderOptions = { apiKey: string; baseURL?: string; model: string; timeoutMs: number };

/** Inputs per embeddings call (the API takes up to 2,048). */
const INPUTS_PER_CALL = 1000;

/**
 * OpenAI embeddings through the same SDK and base URL as the writer. Errors are sorted like the
 * writer's: 5xx, 429 and timeouts are transient (the generation task is retried), never a silent
 * pass; tokens of the calls that succeeded before a failure travel with the error to be charged.
 */
export class OpenAIEmbedder implements TextEmbedder {
  readonly model: string;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAIEmbedderOptions) {
    this.client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL || undefined, maxRetries: 0, timeout: options.timeoutMs });
    this.model = options.model;
  }

  async embed(texts: readonly string[], deadline?: number) {
    const vectors: Float32Array[] = [];
    let tokens = 0;
    let calls = 0;
    try {
      for (let start = 0; start < texts.length; start += INPUTS_PER_CALL) {
        const timeLeft = (deadline ?? Date.now() + this.options.timeoutMs) - Date.now();
        if (timeLeft < 1_000) throw new ModelUnavailableError('no time left in the lease for an embeddings call');
        const input = texts.slice(start, start + INPUTS_PER_CALL);
        const response = await tracedOperation('model', 'embeddings.create', () =>
          this.client.embeddings.create({ model: this.model, input }, { timeout: Math.max(1_000, Math.min(timeLeft, this.options.timeoutMs)) }),
        ).catch((error: unknown) => {
          throw classifyModelError(error);
        });
        calls += 1;
        tokens += response.usage?.prompt_tokens ?? 0;
        const byIndex = new Map(response.data.map((item) => [item.index, item.embedding]));
        for (let i = 0; i < input.length; i++) {
          const embedding = byIndex.get(i);
          if (!embedding || embedding.length === 0) throw new ModelUnavailableError(`embeddings response lacks input ${i}`);
          vectors.push(unitVector(embedding));
        }
      }
      return { vectors, tokens, calls };
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      throw billedUsageOf(failure) ? failure : withBilledUsage(failure, { modelCalls: calls, tokensIn: tokens, tokensOut: 0, cachedTokensIn: 0 });
    }
  }
}

/** Normalised once, so comparing two vectors is a dot product. */
function unitVector(values: readonly number[]): Float32Array {
  const vector = Float32Array.from(values);
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}
