import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Round-trip accounting for one invocation: every call to a dependency (a Postgres statement, a
 * Firestore RPC, a Cloud Tasks call, a model call) is one operation, and its depth is its place in
 * the chain of operations that had to finish before it could start. The deepest operation is the
 * number of dependent round trips on the call's critical path; the count is the total work it
 * caused. Counts, not timings: the same code path gives the same figures on any machine.
 *
 * Off unless a traced invocation is running: the storage is created by the first traced call,
 * and until then `currentTrace()` is one undefined check.
 */
export type Dependency = 'postgres' | 'firestore' | 'tasks' | 'model';

export type TracedOperation = {
  dependency: Dependency;
  operation: string;
  depth: number;
  /** Started by work the call does not wait for (`detach`): counted in the total, not on the critical path. */
  background?: true;
};

export type RoundTripReport = {
  /** Dependent round trips on the critical path (the deepest operation). */
  criticalPath: number;
  /** Every operation the call caused, side by side or not. */
  total: number;
  byDependency: Partial<Record<Dependency, number>>;
  operations: TracedOperation[];
};

class Trace {
  /** The deepest operation that has finished: what an operation starting now depends on. */
  finishedDepth = 0;
  /** Detached work still running: the report waits for it, so its operations are all counted. */
  readonly detached: Promise<void>[] = [];
  constructor(
    readonly operations: TracedOperation[] = [],
    readonly background = false,
  ) {}
}

let storage: AsyncLocalStorage<Trace> | undefined;

function currentTrace(): Trace | undefined {
  return storage?.getStore();
}

/**
 * Marks the start of one operation of the traced invocation (if any); the returned function marks
 * its end. Depth = 1 + the deepest operation finished when this one started: operations started
 * together (Promise.all) share a depth, an operation started after another returned is one deeper.
 */
export function startOperation(dependency: Dependency, operation: string): (() => void) | undefined {
  const trace = currentTrace();
  if (!trace) return undefined;
  const entry: TracedOperation = { dependency, operation, depth: trace.finishedDepth + 1, ...(trace.background ? { background: true as const } : {}) };
  trace.operations.push(entry);
  return () => {
    if (entry.depth > trace.finishedDepth) trace.finishedDepth = entry.depth;
  };
}

/** Runs one dependency call as a traced operation (a plain call when nothing is traced). */
export async function tracedOperation<T>(dependency: Dependency, operation: string, work: () => Promise<T>): Promise<T> {
  const finish = startOperation(dependency, operation);
  if (!finish) return work();
  try {
    return await work();
  } finally {
    finish();
  }
}

export function reportOf(trace: Trace): RoundTripReport {
  const byDependency: Partial<Record<Dependency, number>> = {};
  let criticalPath = 0;
  for (const op of trace.operations) {
    byDependency[op.dependency] = (byDependency[op.dependency] ?? 0) + 1;
    if (!op.background) criticalPath = Math.max(criticalPath, op.depth);
  }
  return { criticalPath, total: trace.operations.length, byDependency, operations: [...trace.operations] };
}

/**
 * Starts work the caller does not wait for, and whose failure it does not see (a hint whose loss
 * costs only a repair later). Its operations join the invocation's total, off its critical path.
 */
export function detach(work: () => Promise<unknown>): void {
  const run = () => work().then(() => undefined, () => undefined);
  const trace = currentTrace();
  if (!trace) {
    void run();
    return;
  }
  const background = new Trace(trace.operations, true);
  background.finishedDepth = trace.finishedDepth;
  trace.detached.push(storage!.run(background, run));
}

/**
 * Runs `work` as one traced invocation; `onReport` receives the figures when it settles (also when
 * it throws: a failed call still made its round trips). Operations still running then are counted
 * with the depth they started at.
 */
export async function traceRoundTrips<T>(work: () => Promise<T>, onReport: (report: RoundTripReport) => void): Promise<T> {
  storage ??= new AsyncLocalStorage<Trace>();
  const trace = new Trace();
  try {
    return await storage.run(trace, work);
  } finally {
    // Only a traced (test) invocation waits for its detached work, to count it whole.
    await Promise.all(trace.detached);
    onReport(reportOf(trace));
  }
}
