import { runtimeOptions } from '../config/runtime';
import { logger } from 'firebase-functions';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { DATABASE_URL, RETENTION_ATTEMPTS_DAYS, RETENTION_AUDIT_DAYS, RETENTION_USAGE_DAYS } from '../config/params';
import { getDatabase } from '../config/database';
import { purgeOldRecords } from './purgeOldRecords';

/** Daily at 05:30 UTC, after the discovery purge. */
export const purgeOldRecordsJob = onSchedule(
  { ...runtimeOptions('purgeOldRecords'), schedule: '30 5 * * *', timeZone: 'UTC', secrets: [DATABASE_URL], timeoutSeconds: 540, retryCount: 1 },
  async () => {
    const summary = await purgeOldRecords(getDatabase(), {
      attemptsDays: RETENTION_ATTEMPTS_DAYS.value(),
      usageDays: RETENTION_USAGE_DAYS.value(),
      auditDays: RETENTION_AUDIT_DAYS.value(),
    });
    logger.info('retention.purge', summary);
  },
);
