import { getAdminFunctions } from '../shared/firebase';
import { tracedOperation } from '../shared/roundTrips';

export type EnqueueOutcome = 'enqueued' | 'already-queued';

/** Where generation tasks go; tests and production share the firebase-admin implementation. */
export interface GenerationTaskQueue {
  enqueue(requestKey: string, enqueueCount: number): Promise<EnqueueOutcome>;
}

/** Cloud Tasks names dedupe deliveries; the counter lets a rescue use a fresh name. */
export function generationTaskId(requestKey: string, enqueueCount: number): string {
  return `${requestKey}-${enqueueCount}`;
}

export function firebaseGenerationTaskQueue(functionName: string, region: string): GenerationTaskQueue {
  const queue = getAdminFunctions().taskQueue(`locations/${region}/functions/${functionName}`);
  return {
    async enqueue(requestKey, enqueueCount) {
      try {
        await tracedOperation('tasks', 'enqueue', () => queue.enqueue({ requestKey }, { id: generationTaskId(requestKey, enqueueCount) }));
        return 'enqueued';
      } catch (error) {
        if ((error as { code?: string }).code === 'functions/task-already-exists') return 'already-queued';
        throw error;
      }
    },
  };
}
