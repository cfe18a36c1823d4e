// Reports a callable's round trips (shared/roundTrips.ts) in a response header, for tests and the
// bench only: with TEST_INSTRUMENTATION off (production) this is one boolean check per call.
import { traceRoundTrips } from '../shared/roundTrips';
import { TEST_INSTRUMENTATION } from './params';

/** Asked for by a request header, answered in the same response header (JSON RoundTripReport). */
export const ROUND_TRIPS_HEADER = 'x-qf-round-trips';

type RawExchange = { headers: Record<string, string | string[] | undefined>; res?: { setHeader(name: string, value: string): unknown } };

let enabled: boolean | undefined;

export function roundTripCountingEnabled(): boolean {
  enabled ??= TEST_INSTRUMENTATION.value();
  return enabled;
}

export function withRoundTripReport<T>(rawRequest: RawExchange | undefined, work: () => Promise<T>): Promise<T> {
  if (!roundTripCountingEnabled() || !rawRequest?.headers[ROUND_TRIPS_HEADER]) return work();
  return traceRoundTrips(work, (report) => {
    rawRequest.res?.setHeader(ROUND_TRIPS_HEADER, JSON.stringify(report));
  });
}
