import { isTransientInfrastructureError, ResourceExhaustedError } from '../shared/errors';
import type { Queryable } from '../shared/postgres';
import { takeRateToken } from './queries/takeRateToken';

export const RATE_ACTIONS = ['draws', 'answers', 'discovery', 'games', 'gameAnswers'] as const;
export type RateAction = (typeof RATE_ACTIONS)[number];

export type RateLimitConfig = {
  /** Calls per minute per user, and the burst a full bucket allows. */
  perMinute: Record<RateAction, number>;
  /** Accounts younger than this get `freshFactor` of the allowance (scripts make new accounts). */
  freshAccountMs: number;
  freshFactor: number;
};

/** When a user's account was created; undefined if unknown (treated as not fresh). */
export type AccountCreatedAt = (uid: string) => Promise<Date | undefined>;

/**
 * Per-user token buckets in Postgres, one statement per call. A user over their allowance gets
 * `ResourceExhaustedError` with the time one call is allowed again. If Postgres cannot be reached
 * the call is let through: limits protect the backend, they must not take draws down with them.
 */
export class RateLimiter {
  constructor(
    private readonly db: Queryable,
    private readonly config: RateLimitConfig,
    private readonly accountCreatedAt: AccountCreatedAt,
    private readonly log: (entry: Record<string, unknown>) => void = () => undefined,
  ) {}

  /** The allowance of `uid` for `action` (per minute), lower for a fresh account. */
  async allowance(uid: string, action: RateAction): Promise<number> {
    const created = await this.accountCreatedAt(uid).catch(() => undefined);
    const fresh = created !== undefined && Date.now() - created.getTime() < this.config.freshAccountMs;
    return Math.max(1, this.config.perMinute[action] * (fresh ? this.config.freshFactor : 1));
  }

  /** `cost`: what the call is worth in the bucket's unit (e.g. the answer keys it may reveal). */
  async take(uid: string, action: RateAction, cost = 1): Promise<void> {
    const perMinute = await this.allowance(uid, action);
    let result;
    try {
      result = await takeRateToken(this.db, { subject: uid, action, capacity: perMinute, refillPerSecond: perMinute / 60, cost });
    } catch (error) {
      if (!isTransientInfrastructureError(error)) throw error;
      this.log({ event: 'rate_limit.unavailable', action, error: String(error) });
      return;
    }
    if (!result.allowed) {
      const retryMs = Math.ceil(((1 - result.tokens) / (perMinute / 60)) * 1000);
      throw new ResourceExhaustedError(`Too many ${action} calls: ${Math.round(perMinute)} a minute allowed; slow down`, new Date(Date.now() + retryMs));
    }
  }
}
