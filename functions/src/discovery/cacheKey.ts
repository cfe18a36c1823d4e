import { InvalidInputError } from '../shared/errors';
import { ENDPOINTS, PROVIDERS, type Catalogue, type Endpoint, type Feed, type ProviderName } from './types';

/** `provider:endpoint[:category][:period]` (DESIGN.md, seed 003). */
export function cacheKey(feed: Feed): string {
  return [feed.provider, feed.endpoint, feed.category, feed.period].filter((part) => part !== null && part !== '').join(':');
}

export function parseCacheKey(key: string): Feed {
  const [provider, endpoint, category = null, period = null] = key.split(':');
  if (!PROVIDERS.includes(provider as ProviderName) || !ENDPOINTS.includes(endpoint as Endpoint)) {
    throw new InvalidInputError(`key: "${key}" is not a discovery cache key (provider:endpoint[:category][:period])`);
  }
  return { provider: provider as ProviderName, endpoint: endpoint as Endpoint, category, period };
}

/** Fills defaults from the provider's catalogue and rejects what it cannot serve, naming the field. */
export function resolveFeed(catalogue: Catalogue, input: { provider: ProviderName; endpoint: Endpoint; category?: string | undefined; period?: string | undefined }): Feed {
  const entry = catalogue[input.endpoint];
  if (!entry) {
    throw new InvalidInputError(`endpoint: ${input.provider} serves ${Object.keys(catalogue).join(', ')}, not "${input.endpoint}"`);
  }
  const category = input.category ?? entry.categories[0]!;
  if (!entry.categories.includes(category)) {
    throw new InvalidInputError(`category: ${input.provider} ${input.endpoint} takes ${entry.categories.join(', ')}, not "${category}"`);
  }
  let period: string | null = null;
  if (entry.periods) {
    period = input.period ?? entry.periods[0]!;
    if (!entry.periods.includes(period)) {
      throw new InvalidInputError(`period: ${input.provider} ${input.endpoint} takes ${entry.periods.join(', ')}, not "${period}"`);
    }
  } else if (input.period !== undefined) {
    throw new InvalidInputError(`period: ${input.provider} ${input.endpoint} takes no period`);
  }
  return { provider: input.provider, endpoint: input.endpoint, category, period };
}
