// The one shape every provider list is normalized to, and the one interface every provider implements.

export const PROVIDERS = ['tmdb', 'jikan', 'rawg', 'igdb', 'deezer', 'itunes'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const ENDPOINTS = ['trending', 'popular', 'upcoming', 'charts', 'schedule'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

export type DatePrecision = 'day' | 'month' | 'year';

export type DiscoveryItem = {
  /** `provider:nativeId`, stable across refreshes. */
  id: string;
  title: string;
  subtitle: string | null;
  image: string | null;
  /** ISO date (YYYY-MM-DD) when the provider gives one; for a month or year, its first day. */
  releaseDate: string | null;
  /** How much of releaseDate is known (Jikan knows some dates only to the month or year); absent on rows cached before it existed. */
  releaseDatePrecision?: DatePrecision | null;
  /** 1-based position in the provider's list. */
  rank: number;
  score: number | null;
  url: string | null;
  category: string;
};

/** One list of one provider: what a cache row holds. */
export type Feed = {
  provider: ProviderName;
  endpoint: Endpoint;
  category: string | null;
  period: string | null;
};

export type FeedResult = { items: DiscoveryItem[]; totalResults: number };

/** What a provider can serve: endpoint → allowed categories and periods (first is the default). */
export type Catalogue = Partial<Record<Endpoint, { categories: readonly string[]; periods?: readonly string[] }>>;

export interface DiscoveryProvider {
  readonly name: ProviderName;
  readonly catalogue: Catalogue;
  /** False when its key is missing: reads and refreshes report "unconfigured" instead of calling out. */
  configured(): boolean;
  fetchFeed(feed: Feed): Promise<FeedResult>;
}

export type Clock = () => Date;
