import { testStack } from './stack';

// Talks to the fake OpenAI server's control endpoints (scripts/lib/fakeOpenAI.mjs).

function controlUrl(base: string, path: string): string {
  return `${base.replace(/\/v1$/, '')}/_control/${path}`;
}

export async function injectFaults(theme: string, faults: Array<Record<string, unknown>>, base = testStack().openaiUrl): Promise<void> {
  const response = await fetch(controlUrl(base, 'faults'), { method: 'POST', body: JSON.stringify({ theme, faults }) });
  if (!response.ok) throw new Error(`fault injection failed: ${response.status}`);
}

/** Calls the fake answered for a theme; `tokens` is what each billed (0 for an error status), verification calls apart; `billed` all the theme's tokens (verifier and Batch API lines too). */
export async function modelCalls(theme: string, base = testStack().openaiUrl): Promise<{ calls: number; repairs: number; counts: number[]; tokens: number[]; verifications: number; verificationTokens: number[]; billed: number }> {
  const response = await fetch(`${controlUrl(base, 'calls')}?theme=${encodeURIComponent(theme)}`);
  return (await response.json()) as { calls: number; repairs: number; counts: number[]; tokens: number[]; verifications: number; verificationTokens: number[]; billed: number };
}

/** Makes `ratio` of a theme's questions repeat earlier ones (unless the request shows them as existing). */
export async function setRepeat(theme: string, ratio: number, base = testStack().openaiUrl): Promise<void> {
  const response = await fetch(controlUrl(base, 'repeat'), { method: 'POST', body: JSON.stringify({ theme, ratio }) });
  if (!response.ok) throw new Error(`repeat setting failed: ${response.status}`);
}

export type FakeQuality = { wrongKey?: number; ambiguous?: number; positionBias?: number[]; longestKey?: number };

/** Makes a theme's questions carry faults in these shares (wrong keys, ambiguity, position and length bias). */
export async function setQuality(theme: string, quality: FakeQuality, base = testStack().openaiUrl): Promise<void> {
  const response = await fetch(controlUrl(base, 'quality'), { method: 'POST', body: JSON.stringify({ theme, ...quality }) });
  if (!response.ok) throw new Error(`quality setting failed: ${response.status}`);
}

/** What the fake wrote for a theme, with the truth: the defensible choices, the key it gave, the flaw. */
export async function truthsOf(theme: string, base = testStack().openaiUrl): Promise<Array<{ prompt: string; correct: string[]; keyText: string; flaw: string }>> {
  const response = await fetch(`${controlUrl(base, 'truths')}?theme=${encodeURIComponent(theme)}`);
  return ((await response.json()) as { truths: Array<{ prompt: string; correct: string[]; keyText: string; flaw: string }> }).truths;
}

/** The fake's embeddings calls for a model: calls, inputs embedded, tokens billed. */
export async function embeddingCalls(model: string, base = testStack().openaiUrl): Promise<{ calls: number; inputs: number; tokens: number }> {
  const response = await fetch(`${controlUrl(base, 'embeddings')}?model=${encodeURIComponent(model)}`);
  return (await response.json()) as { calls: number; inputs: number; tokens: number };
}
