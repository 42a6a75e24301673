/**
 * The mergeable figures of the statistics rollup, in SQL (to build them) and in TypeScript (to read them):
 *
 * - telco latency: a log-bucketed histogram (DDSketch's mapping): bucket 0 holds 0 ms, bucket `i > 0` the latencies
 *   in (γ^(i-2), γ^(i-1)] ms, `-i` their negatives, γ = (1 + α) / (1 - α). A bucket's value, 2γ^(i-1) / (γ + 1), is
 *   within α = 1 % of every latency in it, so a median or p95 read from merged buckets is within 1 % (or 1 ms under
 *   1 ms) of the exact one;
 * - distinct request ids: a HyperLogLog sketch of 2^11 registers over `hashtextextended(request_id, 0)`, each entry
 *   `register * 64 + rank`; merged registers estimate the distinct count with a standard error of 1.04 / √2048,
 *   about 2.3 % (linear counting below 5,120: about 1-2 %).
 */
export const LATENCY_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + LATENCY_RELATIVE_ACCURACY) / (1 - LATENCY_RELATIVE_ACCURACY);
export const SKETCH_PRECISION = 11;
const REGISTERS = 1 << SKETCH_PRECISION;

/** Telco latency in milliseconds, as double precision; NULL without both times. `c` is the callbacks' alias. */
export const LATENCY_MS = "date_part('epoch', c.response_time_telco_at - c.send_time_at) * 1000";

/** The histogram bucket of a latency in ms (an SQL expression of `lat`). */
export const LATENCY_BUCKET_SQL = `CASE WHEN lat > 0 THEN 1 + greatest(0, ceil(ln(lat) / ${Math.log(GAMMA)}))::int
  WHEN lat < 0 THEN -1 - greatest(0, ceil(ln(-lat) / ${Math.log(GAMMA)}))::int ELSE 0 END`;

/** The 64-bit hash of a request id (an SQL expression; `c` is the callbacks' alias). */
export const REQUEST_HASH_SQL = 'hashtextextended(c.request_id, 0)';

/** The sketch entry of a hash `h`: its register (low bits) * 64 + the rank of the first 1 in the next 53 bits. */
const SUFFIX = `((h >> ${SKETCH_PRECISION}) & ${2 ** 53 - 1})`;
export const SKETCH_REGISTER_SQL = `(h & ${REGISTERS - 1})::int`;
export const SKETCH_RANK_SQL = `CASE WHEN ${SUFFIX} = 0 THEN 54 ELSE 53 - floor(ln(${SUFFIX}::float8) / ln(2))::int END`;

/** A latency bucket's value in ms. */
export function bucketValue(bucket: number): number {
  if (bucket === 0) {
    return 0;
  }
  const magnitude = (2 * GAMMA ** (Math.abs(bucket) - 1)) / (GAMMA + 1);
  return bucket > 0 ? magnitude : -magnitude;
}

/**
 * The `fraction` percentile of a merged histogram, interpolated between the neighbouring ranks like PostgreSQL's
 * `percentile_cont`, clamped to the exact min and max; null when empty.
 */
export function histogramPercentile(
  buckets: Array<{ bucket: number; count: number }>,
  fraction: number,
  min: number | null,
  max: number | null,
): number | null {
  const sorted = buckets.filter((b) => b.count > 0).sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) {
    return null;
  }
  const rank = fraction * (total - 1);
  const valueAt = (position: number): number => {
    let seen = 0;
    for (const { bucket, count } of sorted) {
      seen += count;
      if (position < seen) {
        return bucketValue(bucket);
      }
    }
    return bucketValue(sorted[sorted.length - 1].bucket);
  };
  const low = valueAt(Math.floor(rank));
  const value = low + (valueAt(Math.ceil(rank)) - low) * (rank - Math.floor(rank));
  return Math.min(max ?? value, Math.max(min ?? value, value));
}

/** The HyperLogLog estimate of merged registers (`register -> rank`, absent = 0). */
export function sketchEstimate(registers: Array<{ register: number; rank: number }>): number {
  let sum = REGISTERS - registers.length;
  let zeros = REGISTERS - registers.length;
  for (const { rank } of registers) {
    sum += 2 ** -rank;
    if (rank === 0) {
      zeros += 1;
    }
  }
  const alpha = 0.7213 / (1 + 1.079 / REGISTERS);
  const estimate = (alpha * REGISTERS * REGISTERS) / sum;
  if (estimate <= 2.5 * REGISTERS && zeros > 0) {
    return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
  }
  return Math.round(estimate);
}
