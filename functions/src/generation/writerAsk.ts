/**
 * How many questions to ask of the writer when `wanted` are still missing. A call that comes up a
 * few short is followed by a tail call, and every call pays the pool's EXISTING list again (most of
 * a writer call's input once a pool holds a hundred questions); so what this request's screen and
 * verifier turned away so far (`kept` of `kept + turnedAway`) is asked for too, within the per-call
 * cap. The first call knows nothing yet and asks for what is wanted.
 */
export function writerAsk(wanted: number, kept: number, turnedAway: number, maxPerCall: number): number {
  if (wanted <= 0) return 0;
  if (kept + turnedAway === 0) return Math.min(wanted, maxPerCall);
  // A request whose candidates mostly fail is not asked for ten times more: the cap is twice.
  const keepRate = Math.max(0.5, kept / (kept + turnedAway));
  return Math.min(maxPerCall, Math.ceil(wanted / keepRate));
}
