import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { onReplica } from '../read-replica';
import type { SmsCallbackFilter } from '../sms-callback.repository';
import { roundedOrNull, type SmsCallbackStats } from './callback-stats';
import { FIGURE_COLUMNS, HOURLY_TABLE, ROLLUP_STATE_TABLE } from './rollup-sql';
import {
  histogramPercentile,
  LATENCY_BUCKET_SQL,
  SKETCH_RANK_SQL,
  SKETCH_REGISTER_SQL,
  sketchEstimate,
} from './stats-sketch';
import type { RollupState } from './stats-rollup.repository';

const HOUR_MS = 3_600_000;

/** Positional parameters of one statement. */
class Parameters {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * The statistics from the hourly rollup: the whole hours of the range inside the rolled-up span from
 * `sms_callback_stats_hourly`, the rest of the range (partial hours at its edges, hours not rolled up yet, the
 * default partition's strays) and every callback received since the rollup's run from `sms_callbacks`, by index
 * ranges. The parts are disjoint and cover the range: counts, min and max equal the exact ones.
 */
@Injectable()
export class RolledStatsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The statistics, or undefined when the rollup cannot answer: a filter it does not keep (msisdn, requestId,
   * referentId, time received), no rollup yet, or no whole rolled-up hour in the range.
   */
  async stats(enterpriseId: string, filter: SmsCallbackFilter): Promise<SmsCallbackStats | undefined> {
    const { msisdn, requestId, referentId, from, to } = filter;
    if ([msisdn, requestId, referentId, from, to].some((value) => value !== undefined)) {
      return undefined;
    }
    const state = await onReplica(this.dataSource, (runner) => this.state(runner));
    if (!state?.rolledFrom || !state.rolledTo || !state.receivedBefore) {
      return undefined;
    }
    const ceilHour = (at: Date) => new Date(Math.ceil(at.getTime() / HOUR_MS) * HOUR_MS);
    const floorHour = (at: Date) => new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
    const rolledFrom = new Date(
      Math.max(state.rolledFrom.getTime(), filter.sentFrom ? ceilHour(filter.sentFrom).getTime() : 0),
    );
    const rolledTo = new Date(
      Math.min(state.rolledTo.getTime(), filter.sentTo ? floorHour(filter.sentTo).getTime() : Infinity),
    );
    if (rolledFrom >= rolledTo) {
      return undefined;
    }
    const plan: Plan = { enterpriseId, filter, rolledFrom, rolledTo, receivedBefore: state.receivedBefore };
    const [totals, histogram, sketch] = await Promise.all([
      this.read(plan, totalsSql),
      this.read(plan, histogramSql),
      this.read(plan, sketchSql),
    ]);
    const byStatus = (totals as TotalsRow[]).map((row) => ({ status: row.status, count: Number(row.count) }));
    const latencyCount = (totals as TotalsRow[]).reduce((sum, row) => sum + Number(row.latencyCount), 0);
    const extremes = (totals as TotalsRow[]).filter((row) => row.minMs !== null);
    const minMs = extremes.length ? Math.min(...extremes.map((row) => row.minMs!)) : null;
    const maxMs = extremes.length ? Math.max(...extremes.map((row) => row.maxMs!)) : null;
    const buckets = (histogram as Array<{ bucket: number; count: string }>).map((row) => ({
      bucket: row.bucket,
      count: Number(row.count),
    }));
    const total = byStatus.reduce((sum, row) => sum + row.count, 0);
    return {
      total,
      distinctRequestIds: Math.min(total, sketchEstimate(sketch as Array<{ register: number; rank: number }>)),
      byStatus: byStatus.filter((row) => row.count > 0),
      latency: {
        count: latencyCount,
        minMs: roundedOrNull(minMs),
        medianMs: roundedOrNull(histogramPercentile(buckets, 0.5, minMs, maxMs)),
        p95Ms: roundedOrNull(histogramPercentile(buckets, 0.95, minMs, maxMs)),
        maxMs: roundedOrNull(maxMs),
      },
      approximate: true,
    };
  }

  private async state(runner: QueryRunner): Promise<RollupState | undefined> {
    const [state] = (await runner.query(
      `SELECT rolled_from AS "rolledFrom", rolled_to AS "rolledTo", received_before AS "receivedBefore"
         FROM ${ROLLUP_STATE_TABLE}`,
    )) as RollupState[];
    return state;
  }

  private read(plan: Plan, sql: (rollup: string, raw: string) => string): Promise<unknown[]> {
    const parameters = new Parameters();
    const statement = sql(rollupWhere(plan, parameters), rawRows(plan, parameters));
    return onReplica(this.dataSource, (runner) => runner.query(statement, parameters.values) as Promise<unknown[]>);
  }
}

interface Plan {
  enterpriseId: string;
  filter: SmsCallbackFilter;
  /** The whole hours of the range inside the rolled-up span. */
  rolledFrom: Date;
  rolledTo: Date;
  receivedBefore: Date;
}

interface TotalsRow {
  status: number | null;
  count: string;
  latencyCount: string;
  minMs: number | null;
  maxMs: number | null;
}

/** The rollup rows of the plan's whole hours (written by runs up to the state read: `received_before`). */
function rollupWhere({ enterpriseId, filter, rolledFrom, rolledTo, receivedBefore }: Plan, p: Parameters): string {
  const status = filter.status === undefined ? '' : ` AND r.status = ${p.add(filter.status)}`;
  return `FROM ${HOURLY_TABLE} r WHERE r.enterprise_id = ${p.add(enterpriseId)} AND r.hour >= ${p.add(rolledFrom)}
     AND r.hour < ${p.add(rolledTo)} AND r.received_before <= ${p.add(receivedBefore)}${status}`;
}

/**
 * The callbacks of the range that the rollup rows leave out, as figure rows (status, lat, h): those received since
 * the run (the received-time index), and those received before it but sent outside the rolled hours (the send-time
 * index: the edges, hours not rolled up yet, and without a send-time filter the callbacks without a send time).
 */
function rawRows({ enterpriseId, filter, rolledFrom, rolledTo, receivedBefore }: Plan, p: Parameters): string {
  const enterprise = `c.enterprise_id = ${p.add(enterpriseId)}`;
  const status = filter.status === undefined ? '' : ` AND c.status = ${p.add(filter.status)}`;
  const received = p.add(receivedBefore);
  const sentFrom = filter.sentFrom ? ` AND c.send_time_at >= ${p.add(filter.sentFrom)}` : '';
  const sentTo = filter.sentTo ? ` AND c.send_time_at < ${p.add(filter.sentTo)}` : '';
  const parts = [`${enterprise} AND c.received_at >= ${received}${sentFrom}${sentTo}${status}`];
  const before = `${enterprise} AND c.received_at < ${received}${status}`;
  if (!filter.sentFrom || filter.sentFrom < rolledFrom) {
    parts.push(`${before}${sentFrom} AND c.send_time_at < ${p.add(rolledFrom)}`);
  }
  if (!filter.sentTo || filter.sentTo > rolledTo) {
    parts.push(`${before} AND c.send_time_at >= ${p.add(rolledTo)}${sentTo}`);
  }
  if (!filter.sentFrom && !filter.sentTo) {
    parts.push(`${before} AND c.send_time_at IS NULL`);
  }
  return parts.map((where) => `SELECT ${FIGURE_COLUMNS} FROM sms_callbacks c WHERE ${where}`).join(' UNION ALL ');
}

const totalsSql = (rollup: string, raw: string) => `
  SELECT status, sum(callbacks)::bigint AS count, sum(latency_count)::bigint AS "latencyCount",
         min(mn) AS "minMs", max(mx) AS "maxMs"
    FROM (SELECT r.status, r.callbacks, r.latency_count, r.latency_min_ms AS mn, r.latency_max_ms AS mx ${rollup}
          UNION ALL
          SELECT status, count(*), count(lat), min(lat), max(lat) FROM (${raw}) raw GROUP BY status) parts
   GROUP BY status ORDER BY status NULLS LAST`;

const histogramSql = (rollup: string, raw: string) => `
  SELECT bucket, sum(n)::bigint AS count
    FROM (SELECT unnest(r.latency_buckets) AS bucket, unnest(r.latency_counts) AS n ${rollup}
          UNION ALL
          SELECT ${LATENCY_BUCKET_SQL} AS bucket, 1 FROM (${raw}) raw WHERE lat IS NOT NULL) parts
   GROUP BY bucket`;

const sketchSql = (rollup: string, raw: string) => `
  SELECT register, max(rank)::int AS rank
    FROM (SELECT e >> 6 AS register, e & 63 AS rank ${rollup.replace(`FROM ${HOURLY_TABLE} r`, `FROM ${HOURLY_TABLE} r CROSS JOIN LATERAL unnest(r.request_id_sketch) e`)}
          UNION ALL
          SELECT ${SKETCH_REGISTER_SQL}, ${SKETCH_RANK_SQL} FROM (${raw}) raw) parts
   GROUP BY register`;
