import { LATENCY_BUCKET_SQL, LATENCY_MS, REQUEST_HASH_SQL, SKETCH_RANK_SQL, SKETCH_REGISTER_SQL } from './stats-sketch';

export const HOURLY_TABLE = 'sms_callback_stats_hourly';
export const ROLLUP_STATE_TABLE = 'sms_callback_stats_rollup';

/** The columns of callbacks (alias `c`) that the figures are made of: status, latency `lat` and hash `h`. */
export const FIGURE_COLUMNS = `c.status, ${LATENCY_MS} AS lat, ${REQUEST_HASH_SQL} AS h`;

/**
 * The rollup rows of the callbacks `source` selects (a FROM clause whose rows are aliased `c`), one per enterprise,
 * UTC hour of the send time and status, inserted with `received_before`; the statement answers the number of rows
 * and callbacks rolled up. One pass over the callbacks (materialised), three groupings.
 */
export function rollUpSql(source: string, receivedBefore: string): string {
  const keys = 'enterprise_id, hour, sk';
  return `WITH src AS MATERIALIZED (
      SELECT c.enterprise_id, date_bin('1 hour', c.send_time_at, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS hour,
             coalesce(c.status::bigint, 4294967296) AS sk, ${FIGURE_COLUMNS}
        FROM ${source}),
    totals AS (
      SELECT ${keys}, min(status) AS status, count(*)::int AS callbacks, count(lat)::int AS latency_count,
             min(lat) AS mn, max(lat) AS mx
        FROM src GROUP BY ${keys}),
    hist AS (
      SELECT ${keys}, array_agg(bucket ORDER BY bucket) AS buckets, array_agg(n ORDER BY bucket) AS counts
        FROM (SELECT ${keys}, ${LATENCY_BUCKET_SQL} AS bucket, count(*)::int AS n
                FROM src WHERE lat IS NOT NULL GROUP BY ${keys}, 4) b
       GROUP BY ${keys}),
    sketch AS (
      SELECT ${keys}, array_agg(register * 64 + rank ORDER BY register) AS entries
        FROM (SELECT ${keys}, ${SKETCH_REGISTER_SQL} AS register, max(${SKETCH_RANK_SQL}) AS rank
                FROM src GROUP BY ${keys}, 4) s
       GROUP BY ${keys}),
    inserted AS (
      INSERT INTO ${HOURLY_TABLE} (enterprise_id, hour, status, received_before, callbacks, latency_count,
             latency_min_ms, latency_max_ms, latency_buckets, latency_counts, request_id_sketch)
      SELECT t.enterprise_id, t.hour, t.status, ${receivedBefore}, t.callbacks, t.latency_count, t.mn, t.mx,
             coalesce(h.buckets, '{}'), coalesce(h.counts, '{}'), s.entries
        FROM totals t LEFT JOIN hist h USING (${keys}) JOIN sketch s USING (${keys})
      RETURNING callbacks)
    SELECT count(*)::int AS rows, coalesce(sum(callbacks), 0)::bigint AS callbacks FROM inserted`;
}
