import { LRUCache } from 'lru-cache';
import type { TextEmbedder } from '../questions/openai/embedder';
import type { PromptEmbeddings } from './nearDuplicates';

/**
 * Prompt embeddings for the near-duplicate screen, compared in memory. Vectors are kept per
 * function instance (a pool's questions never change: their id is their content), so a pool is
 * embedded once per instance, and each generation pays only for its new candidates. Nothing is
 * written back: a cold instance embeds the pool again.
 */
export class PromptEmbeddingStore {
  // 1,536 floats are 6 KB: 20,000 prompts are 120 MB at most.
  private readonly cache = new LRUCache<string, Float32Array>({ max: 20_000 });

  constructor(
    readonly embedder: TextEmbedder,
    readonly threshold: number,
  ) {}

  /**
   * Embeds the prompts not embedded yet (one call per 1,000). What the provider billed is returned;
   * a failure throws (transient faults retry the task) with the tokens billed so far attached.
   */
  async prepare(prompts: Iterable<string>, deadline?: number): Promise<{ tokens: number; calls: number }> {
    const missing = [...new Set(prompts)].filter((prompt) => !this.cache.has(this.key(prompt)));
    if (missing.length === 0) return { tokens: 0, calls: 0 };
    const { vectors, tokens, calls } = await this.embedder.embed(missing, deadline);
    missing.forEach((prompt, i) => this.cache.set(this.key(prompt), vectors[i]!));
    return { tokens, calls };
  }

  /** The lookup the screen uses once `prepare` has run for every prompt it will compare. */
  lookup(): PromptEmbeddings {
    return { vectorOf: (prompt) => this.cache.get(this.key(prompt)), threshold: this.threshold };
  }

  private key(prompt: string): string {
    return `${this.embedder.model}|${prompt}`;
  }
}
