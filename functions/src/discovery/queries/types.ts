import type { DiscoveryItem } from '../types';

/** A cache row as reads see it; age and expiry are computed by Postgres, so instance clocks do not matter. */
export type DiscoveryEntry = {
  cache_key: string;
  data: DiscoveryItem[];
  total_results: number | null;
  updated_at: Date;
  expires_at: Date;
  expired: boolean;
  age_seconds: number;
};
