export type Quotas = {
  /** New generation requests one user may create per UTC day. */
  userDailyRequests: number;
  /** Model tokens one user's requests may spend per UTC day. */
  userDailyTokens: number;
  /** Model tokens everyone together may spend per UTC day. */
  globalDailyTokens: number;
};

export function nextUtcMidnight(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}
