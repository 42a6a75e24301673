/** The statistics of the callbacks that match a filter, exact or from the hourly rollup. */
export interface SmsCallbackStats {
  total: number;
  distinctRequestIds: number;
  byStatus: Array<{ status: number | null; count: number }>;
  latency: { count: number; minMs: number | null; medianMs: number | null; p95Ms: number | null; maxMs: number | null };
  /** True when the median, the p95 and the distinct request ids were estimated from the hourly rollup. */
  approximate: boolean;
}

/** Whole milliseconds (the times themselves have at most millisecond precision). */
export function roundedOrNull(value: number | string | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(Number(value));
}
