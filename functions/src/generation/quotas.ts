export type Quotas = {
  /** New generation requests one user may create per UTC day. */
  userDailyRequests: number;
  /** Model tokens one user's requests may spend or hold reserved per UTC day. */
  userDailyTokens: number;
  /** Model tokens everyone together may spend or hold reserved per UTC day. */
  globalDailyTokens: number;
  /** Paid requests one user may have accepted and not yet final (QUOTA_USER_PAID_IN_FLIGHT). */
  userPaidInFlight?: number;
  /** Tokens reserved per requested question until finished model work has measured it (RESERVE_TOKENS_PER_QUESTION). */
  tokensPerQuestion?: number;
  /** False for admin batches, which were checked against the budget as a whole when created. */
  reserve?: boolean;
};

/** Callers that set no in-flight limit (tests of other capabilities, admin batches). */
export const UNLIMITED_IN_FLIGHT = 2_000_000_000;
export const DEFAULT_TOKENS_PER_QUESTION = 150;

export function nextUtcMidnight(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}
