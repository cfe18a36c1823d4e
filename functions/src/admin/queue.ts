import type * as Tasks from '@google-cloud/tasks' with { 'resolution-mode': 'import' };

// The package is "type": "module" with CommonJS builds whose .d.ts files TypeScript reads as ESM:
// types from the ESM side, code from its require() entry.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { v2beta3, protos } = require('@google-cloud/tasks') as typeof Tasks;
import type { Queryable } from '../shared/postgres';
import { countExpiredLeases } from './queries/countExpiredLeases';
import { listQueueWork } from './queries/listQueueWork';
import { overviewCounters } from './queries/overviewCounters';

export type QueueState = {
  name: string; state: string; tasks: number; oldestTaskAt: string | null; dispatchedLastMinute: number; concurrentDispatches: number;
  maxDispatchesPerSecond: number | null; maxConcurrentDispatches: number | null; maxAttempts: number | null;
};

export interface QueueAdmin {
  status(): Promise<QueueState>;
  pause(): Promise<QueueState>;
  resume(): Promise<QueueState>;
  /** Removes every task; resolves with how many the queue held just before. */
  purge(): Promise<{ purged: number; queue: QueueState }>;
}

type Int64 = number | string | { toString(): string } | null | undefined;
const int = (value: Int64) => (value === null || value === undefined ? 0 : Number(String(value)));
const time = (t: { seconds?: Int64; nanos?: number | null } | null | undefined) => (t && t.seconds !== undefined && t.seconds !== null && int(t.seconds) > 0 ? new Date(int(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString() : null);

type QueueMessage = {
  name?: string | null; state?: unknown;
  stats?: { tasksCount?: Int64; oldestEstimatedArrivalTime?: { seconds?: Int64; nanos?: number | null } | null; executedLastMinuteCount?: Int64; concurrentDispatchesCount?: Int64 } | null;
  rateLimits?: { maxDispatchesPerSecond?: number | null; maxConcurrentDispatches?: number | null } | null;
  retryConfig?: { maxAttempts?: number | null } | null;
};

function toState(queue: QueueMessage): QueueState {
  return {
    name: queue.name ?? '',
    state: typeof queue.state === 'string' ? queue.state : String(protos.google.cloud.tasks.v2beta3.Queue.State[queue.state as number] ?? queue.state),
    tasks: int(queue.stats?.tasksCount),
    oldestTaskAt: time(queue.stats?.oldestEstimatedArrivalTime),
    dispatchedLastMinute: int(queue.stats?.executedLastMinuteCount),
    concurrentDispatches: int(queue.stats?.concurrentDispatchesCount),
    maxDispatchesPerSecond: queue.rateLimits?.maxDispatchesPerSecond ?? null,
    maxConcurrentDispatches: queue.rateLimits?.maxConcurrentDispatches ?? null,
    maxAttempts: queue.retryConfig?.maxAttempts ?? null,
  };
}

/**
 * generateQuestionPool's queue through @google-cloud/tasks. Only the v2beta3 API returns `stats`
 * (depth, oldest task, dispatched in the last minute) and only when the read mask asks for them.
 */
export function cloudTasksQueueAdmin(input: { projectId: string; region: string; queueId: string; clientOptions?: ConstructorParameters<typeof Tasks.v2beta3.CloudTasksClient>[0] }): QueueAdmin {
  const client = new v2beta3.CloudTasksClient(input.clientOptions);
  const name = client.queuePath(input.projectId, input.region, input.queueId);
  const status = async () => {
    const [queue] = await client.getQueue({ name, readMask: { paths: ['name', 'state', 'stats', 'rate_limits', 'retry_config'] } });
    return toState(queue as QueueMessage);
  };
  return {
    status,
    pause: async () => { await client.pauseQueue({ name }); return status(); },
    resume: async () => { await client.resumeQueue({ name }); return status(); },
    purge: async () => {
      const before = await status();
      await client.purgeQueue({ name });
      return { purged: before.tasks, queue: await status() };
    },
  };
}

/** The Postgres side of the queue: what is waiting or running, whatever Cloud Tasks holds. */
export async function queueWork(db: Queryable) {
  const [counters, expiredLeases, rows] = await Promise.all([overviewCounters(db), countExpiredLeases(db), listQueueWork(db, 100)]);
  return {
    pending: counters.pending, running: counters.running, deferred: counters.deferred, expiredLeases,
    oldestPendingAt: counters.oldestPendingAt?.toISOString() ?? null, rows,
  };
}

export const EMULATOR_QUEUE_NOTICE =
  'The Cloud Tasks emulator has no queue administration (no state, stats, pause, resume or purge): those work in production only. Below is the Postgres view of pending and running work.';
