import { logger } from 'firebase-functions';
import { getAuth } from 'firebase-admin/auth';
import { LRUCache } from 'lru-cache';
import { RateLimiter, type AccountCreatedAt } from '../limits/rateLimits';
import { getDatabase } from './database';
import * as params from './params';

let limiter: RateLimiter | undefined;

/**
 * Account creation time from Firebase Auth, cached per instance: it never changes, so each user
 * costs one Auth lookup per instance lifetime.
 */
function firebaseAccountCreatedAt(max = 100_000): AccountCreatedAt {
  const cache = new LRUCache<string, { at: Date | undefined }>({
    max,
    fetchMethod: async (uid) => {
      const user = await getAuth().getUser(uid);
      const at = new Date(user.metadata.creationTime);
      return { at: Number.isNaN(at.getTime()) ? undefined : at };
    },
  });
  return async (uid) => (await cache.fetch(uid))?.at;
}

/** One per instance, built inside the first request (params have values there). */
export function rateLimiter(): RateLimiter {
  limiter ??= new RateLimiter(
    getDatabase(),
    {
      perMinute: {
        draws: params.RATE_DRAWS_PER_MINUTE.value(),
        answers: params.RATE_ANSWERS_PER_MINUTE.value(),
        discovery: params.RATE_DISCOVERY_PER_MINUTE.value(),
        games: params.RATE_GAMES_PER_MINUTE.value(),
        gameAnswers: params.RATE_GAME_ANSWERS_PER_MINUTE.value(),
      },
      freshAccountMs: params.RATE_FRESH_ACCOUNT_HOURS.value() * 3_600_000,
      freshFactor: params.RATE_FRESH_ACCOUNT_PERCENT.value() / 100,
    },
    firebaseAccountCreatedAt(),
    (entry) => logger.warn(String(entry.event ?? 'rate_limit'), entry),
  );
  return limiter;
}
