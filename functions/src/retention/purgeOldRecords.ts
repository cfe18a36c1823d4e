import { faultPoint } from '../shared/faultPoints';
import type { Queryable } from '../shared/postgres';
import { purgeAdminActions } from './queries/purgeAdminActions';
import { purgeExpiredFillLeases } from './queries/purgeExpiredFillLeases';
import { purgeGenerationAttempts } from './queries/purgeGenerationAttempts';
import { purgeIdleRateBuckets } from './queries/purgeIdleRateBuckets';
import { purgeUsageDaily } from './queries/purgeUsageDaily';

export type RetentionPolicy = {
  /** generation_attempts: monitoring history (generationStats reads the last 24 h). */
  attemptsDays: number;
  /** usage_daily: per-user and global daily counters (quotas read today's row only). */
  usageDays: number;
  /** admin_actions: the audit trail. */
  auditDays: number;
};

export type PurgeSummary = { attempts: number; usage: number; audit: number; rateBuckets: number; fillLeases: number; durationMs: number };

const BATCH = 5_000;
/** Buckets idle this long are full again: dropping them changes nothing. */
const IDLE_BUCKET_MINUTES = 24 * 60;

async function drain(step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await step();
    total += deleted;
    if (deleted < BATCH) return total;
  }
}

/** The scheduled purge: every table that grows with traffic, in short batches. */
export async function purgeOldRecords(db: Queryable, policy: RetentionPolicy): Promise<PurgeSummary> {
  const started = Date.now();
  for (const [name, days] of Object.entries(policy)) {
    if (!Number.isInteger(days) || days < 1) throw new Error(`retention ${name} must be a whole number of days ≥ 1, not ${days}`);
  }
  // Each step stands alone: a run that dies between two is finished by the scheduler's retry or the next day's run.
  const attempts = await drain(() => purgeGenerationAttempts(db, policy.attemptsDays, BATCH));
  await faultPoint('purge.afterAttempts');
  const usage = await drain(() => purgeUsageDaily(db, policy.usageDays, BATCH));
  await faultPoint('purge.afterUsage');
  const audit = await drain(() => purgeAdminActions(db, policy.auditDays, BATCH));
  await faultPoint('purge.afterAudit');
  const rateBuckets = await drain(() => purgeIdleRateBuckets(db, IDLE_BUCKET_MINUTES, BATCH));
  await faultPoint('purge.afterRateBuckets');
  const fillLeases = await drain(() => purgeExpiredFillLeases(db, BATCH));
  return { attempts, usage, audit, rateBuckets, fillLeases, durationMs: Date.now() - started };
}
