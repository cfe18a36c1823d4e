import OpenAI, { APIConnectionError, APIError } from 'openai';
import type { PoolParams } from '../poolParams';
import type { GenerateInput, GeneratedBatch, QuestionGenerator, Support } from '../generator';
import type { Question } from '../question';
import { billedUsageOf, type BilledUsage, ModelOutputInvalidError, ModelRateLimitedError, ModelRefusalError, ModelRequestRejectedError, ModelUnavailableError, withBilledUsage } from './modelErrors';
import { modelOutputSchema, responseFormatFor } from './modelOutput';
import { existingPrompt, repairPrompt, SYSTEM_PROMPT, userPrompt } from './prompt';
import { tracedOperation } from '../../shared/roundTrips';

export type OpenAIGeneratorOptions = {
  apiKey: string;
  baseURL?: string;
  model: string;
  /** Most questions asked of one call; larger targets take several calls. */
  questionsPerCall: number;
  /** Per-call ceiling; the caller shortens it further to stay inside its lease. */
  timeoutMs: number;
};

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/**
 * The opening messages for `count` questions: the static system prompt first, then what the pool
 * already holds (append-only within a generation), then DATA, so prompt caching serves the prefix.
 */
export function openingMessages(params: PoolParams, count: number, existingStems: readonly string[] = []): Message[] {
  const existing = existingPrompt(existingStems);
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    ...(existing ? [{ role: 'user', content: existing } satisfies Message] : []),
    { role: 'user', content: userPrompt(params, count) },
  ];
}

/**
 * The chat completions body for `count` questions: the sync generator sends it, the Batch API
 * mode writes it into its JSONL.
 */
export function chatCompletionBody(model: string, params: PoolParams, count: number, messages?: Message[], existingStems: readonly string[] = []) {
  return {
    model,
    messages: messages ?? openingMessages(params, count, existingStems),
    temperature: 0.7,
    response_format: responseFormatFor(params.type),
  };
}

/** The model's JSON answer as questions, or the problems found (for a repair prompt or a fallback). */
export function parseModelOutput(content: string, model: string): { ok: true; questions: Question[] } | { ok: false; problems: string } {
  try {
    const parsed = modelOutputSchema.safeParse(JSON.parse(content));
    if (parsed.success) return { ok: true, questions: parsed.data.questions.map((q) => ({ ...q, source: 'openai', model })) };
    return { ok: false, problems: parsed.error.issues.slice(0, 8).map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') };
  } catch (error) {
    return { ok: false, problems: `not valid JSON (${(error as Error).message})` };
  }
}
type CallResult = { content: string; finishReason: string; tokensIn: number; tokensOut: number; cachedTokensIn: number };

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.ceil(Number(ms) / 1000);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - Date.now()) / 1000)) : undefined;
}

/** Sorts SDK errors into retry-later and give-up. */
export function classifyModelError(error: unknown): Error {
  if (error instanceof APIConnectionError) return new ModelUnavailableError(`model unreachable: ${error.message}`);
  if (error instanceof APIError) {
    const status = error.status ?? 0;
    if (status === 429) return new ModelRateLimitedError(retryAfterSeconds(error.headers), `model rate limited (429): ${error.message}`);
    if (status >= 500 || status === 408 || status === 409) return new ModelUnavailableError(`model error ${status}: ${error.message}`);
    return new ModelRequestRejectedError(`model rejected the request (${status}): ${error.message}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Questions from an OpenAI-compatible chat completions API with structured output, validated by
 * zod. One generate() is one call (plus at most one repair call); the caller loops for large targets
 * and persists each batch, so a retry never pays for a batch twice.
 */
export class OpenAIGenerator implements QuestionGenerator {
  readonly name = 'openai' as const;
  readonly maxPerCall: number;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAIGeneratorOptions) {
    // Cloud Tasks owns retries (with backoff, leases and Retry-After); the SDK must not add its own.
    this.client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL || undefined, maxRetries: 0, timeout: options.timeoutMs });
    this.maxPerCall = options.questionsPerCall;
  }

  supports(_params: PoolParams): Support {
    return { ok: true };
  }

  private async call(messages: Message[], params: PoolParams, timeoutMs: number): Promise<CallResult> {
    try {
      const completion = await tracedOperation('model', 'chat.completions.create', () => this.client.chat.completions.create(
        chatCompletionBody(this.options.model, params, 0, messages),
        { timeout: Math.max(1_000, Math.min(timeoutMs, this.options.timeoutMs)) },
      ));
      const choice = completion.choices[0];
      // A refused or empty answer is billed like any other: its usage travels with the error.
      const billed = { modelCalls: 1, tokensIn: completion.usage?.prompt_tokens ?? 0, tokensOut: completion.usage?.completion_tokens ?? 0, cachedTokensIn: completion.usage?.prompt_tokens_details?.cached_tokens ?? 0 };
      if (!choice) throw withBilledUsage(new ModelUnavailableError('model returned no choices'), billed);
      if (choice.message.refusal) throw withBilledUsage(new ModelRefusalError(`model refused: ${choice.message.refusal}`), billed);
      if (choice.finish_reason === 'content_filter') throw withBilledUsage(new ModelRefusalError('model output was blocked by its content filter'), billed);
      return {
        content: choice.message.content ?? '',
        finishReason: choice.finish_reason,
        tokensIn: completion.usage?.prompt_tokens ?? 0,
        tokensOut: completion.usage?.completion_tokens ?? 0,
        cachedTokensIn: completion.usage?.prompt_tokens_details?.cached_tokens ?? 0,
      };
    } catch (error) {
      throw billedUsageOf(error) ? error : classifyModelError(error);
    }
  }

  /** Every call's usage is owed whatever the outcome: a failure carries the whole generate()'s usage. */
  async generate(input: GenerateInput): Promise<GeneratedBatch> {
    const spent: BilledUsage = { modelCalls: 0, tokensIn: 0, tokensOut: 0, cachedTokensIn: 0 };
    try {
      return await this.generateCounting(input, spent);
    } catch (error) {
      const failing = billedUsageOf(error);
      const total = failing
        ? { modelCalls: spent.modelCalls + failing.modelCalls, tokensIn: spent.tokensIn + failing.tokensIn, tokensOut: spent.tokensOut + failing.tokensOut, cachedTokensIn: spent.cachedTokensIn + failing.cachedTokensIn }
        : spent;
      throw withBilledUsage(error instanceof Error ? error : new Error(String(error)), total);
    }
  }

  private async generateCounting({ params, count, deadline, existingPrompts }: GenerateInput, spent: BilledUsage): Promise<GeneratedBatch> {
    const timeLeft = () => (deadline ?? Date.now() + this.options.timeoutMs) - Date.now();
    let size = Math.min(count, this.options.questionsPerCall);
    let tokensIn = 0;
    let tokensOut = 0;
    let cachedTokensIn = 0;
    let calls = 0;
    const messages: Message[] = openingMessages(params, size, existingPrompts);
    let repaired = false;
    for (;;) {
      if (timeLeft() < 1_000) throw new ModelUnavailableError('no time left in the lease for another model call');
      const result = await this.call(messages, params, timeLeft());
      calls += 1;
      tokensIn += result.tokensIn;
      tokensOut += result.tokensOut;
      cachedTokensIn += result.cachedTokensIn;
      Object.assign(spent, { modelCalls: calls, tokensIn, tokensOut, cachedTokensIn });
      if (result.finishReason === 'length') {
        // Truncated output: the batch was too big for the token limit. Ask for fewer.
        if (size === 1) throw new ModelOutputInvalidError('model output truncated (finish_reason=length) even for one question');
        size = Math.max(1, Math.floor(size / 2));
        messages.splice(0, messages.length, ...openingMessages(params, size, existingPrompts));
        continue;
      }
      const parsed = parseModelOutput(result.content, this.options.model);
      if (parsed.ok) return { questions: parsed.questions, model: this.options.model, tokensIn, tokensOut, cachedTokensIn, modelCalls: calls, exhausted: false };
      const problems = parsed.problems;
      if (repaired) throw new ModelOutputInvalidError(`model output invalid after a repair attempt: ${problems}`);
      repaired = true;
      messages.push({ role: 'assistant', content: result.content }, { role: 'user', content: repairPrompt(result.content, problems) });
    }
  }
}
