import { bucketValue, histogramPercentile, LATENCY_RELATIVE_ACCURACY, sketchEstimate } from './stats-sketch';

const GAMMA = (1 + LATENCY_RELATIVE_ACCURACY) / (1 - LATENCY_RELATIVE_ACCURACY);

/** The bucket of a latency, as LATENCY_BUCKET_SQL computes it. */
function bucketOf(ms: number): number {
  const index = (v: number) => 1 + Math.max(0, Math.ceil(Math.log(v) / Math.log(GAMMA)));
  return ms > 0 ? index(ms) : ms < 0 ? -index(-ms) : 0;
}

/** percentile_cont of sorted values. */
function exactPercentile(sorted: number[], fraction: number): number {
  const rank = fraction * (sorted.length - 1);
  const low = sorted[Math.floor(rank)];
  return low + (sorted[Math.ceil(rank)] - low) * (rank - Math.floor(rank));
}

function histogramOf(values: number[]): Array<{ bucket: number; count: number }> {
  const counts = new Map<number, number>();
  for (const v of values) {
    counts.set(bucketOf(v), (counts.get(bucketOf(v)) ?? 0) + 1);
  }
  return [...counts].map(([bucket, count]) => ({ bucket, count }));
}

describe('latency histogram', () => {
  it('should give every latency a bucket whose value is within 1 % of it (1 ms under 1 ms)', () => {
    for (const ms of [0, 1, 2, 3, 17, 99, 100, 101, 999, 4_000, 29_999, 86_400_000, -1, -250, -30_000]) {
      const value = bucketValue(bucketOf(ms));
      expect(Math.abs(value - ms)).toBeLessThanOrEqual(Math.max(Math.abs(ms) * LATENCY_RELATIVE_ACCURACY, 0.02));
    }
  });

  it('should read the median and p95 of merged buckets within 1 % of percentile_cont', () => {
    const values = Array.from({ length: 5_001 }, (_, i) => 500 + ((i * 7919) % 29_500)).sort((a, b) => a - b);
    const buckets = histogramOf(values);
    for (const fraction of [0.5, 0.95]) {
      const want = exactPercentile(values, fraction);
      const got = histogramPercentile(buckets, fraction, values[0], values[values.length - 1])!;
      expect(Math.abs(got - want)).toBeLessThanOrEqual(want * LATENCY_RELATIVE_ACCURACY);
    }
  });

  it('should clamp to the exact min and max, and answer null without latencies', () => {
    expect(histogramPercentile(histogramOf([1_000]), 0.5, 1_000, 1_000)).toBe(1_000);
    expect(histogramPercentile([], 0.5, null, null)).toBeNull();
    expect(histogramPercentile([{ bucket: 5, count: 0 }], 0.95, null, null)).toBeNull();
  });
});

describe('request id sketch', () => {
  /** Registers of `n` distinct pseudo-random 64-bit hashes, as the SQL makes them. */
  function registersOf(n: number): Array<{ register: number; rank: number }> {
    const registers = new Map<number, number>();
    let state = 0x9e3779b97f4a7c15n;
    for (let i = 0; i < n; i++) {
      state = (state * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
      const h = state ^ (state >> 29n);
      const register = Number(h & 2047n);
      const suffix = (h >> 11n) & ((1n << 53n) - 1n);
      const rank = suffix === 0n ? 54 : 53 - (suffix.toString(2).length - 1);
      registers.set(register, Math.max(registers.get(register) ?? 0, rank));
    }
    return [...registers].map(([register, rank]) => ({ register, rank }));
  }

  it.each([0, 1, 10, 300, 5_000, 100_000, 1_000_000])('should estimate %i distinct ids within 5 %', (n) => {
    const estimate = sketchEstimate(registersOf(n));
    expect(Math.abs(estimate - n)).toBeLessThanOrEqual(Math.max(1, n * 0.05));
  });
});
