// The console's request search, shared by the list, the count and the bulk-action selection so a
// bulk action touches exactly the rows the admin saw counted. Every condition is optional.

export type RequestFilter = {
  keyPrefix?: string;
  /** A pool key prefix (contains "|") or one of its parts (a language, a subject, a theme slug…). */
  pool?: string;
  status?: string;
  /** Requester uids (an email is resolved to its uid by the caller). */
  requesterUids?: string[];
  /** Request keys of a batch (resolved by the caller). */
  requestKeys?: string[];
  from?: Date;
  to?: Date;
};

/** `r` is generation_requests; parameters $1…$8 (requestFilterParams). */
export const REQUEST_FILTER_SQL = `
      ($1::text IS NULL OR (r.request_key >= $1 AND r.request_key < $1 || 'g'))
  AND ($2::text IS NULL OR r.pool_key LIKE $2 ESCAPE '\\')
  AND ($3::text IS NULL OR $3 = ANY(string_to_array(r.pool_key, '|')))
  AND ($4::text IS NULL OR r.status = $4)
  AND ($5::text[] IS NULL OR EXISTS (SELECT 1 FROM generation_requesters q WHERE q.request_key = r.request_key AND q.uid = ANY($5)))
  AND ($6::text[] IS NULL OR r.request_key = ANY($6))
  AND ($7::timestamptz IS NULL OR r.created_at >= $7)
  AND ($8::timestamptz IS NULL OR r.created_at < $8)`;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function requestFilterParams(filter: RequestFilter): unknown[] {
  const pool = filter.pool?.trim().toLowerCase();
  const isKey = pool?.includes('|') ?? false;
  return [
    filter.keyPrefix ?? null,
    pool && isKey ? `${escapeLike(pool)}%` : null,
    pool && !isKey ? pool : null,
    filter.status ?? null,
    filter.requesterUids ?? null,
    filter.requestKeys ?? null,
    filter.from ?? null,
    filter.to ?? null,
  ];
}
