import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { inMaintenanceTransaction } from '../retention/callback-partitions.repository';
import { addDays, PartitionInfo, utcDay } from '../retention/partition-days';
import { StatsRollupRepository } from './stats-rollup.repository';

const HOUR_MS = 3_600_000;
/**
 * The rollup covers callbacks received at least this long before the run: a callback's `received_at` is its
 * statement's start, and it commits within the statement timeout; younger ones are read from the callbacks table.
 */
export const DEFAULT_ROLLUP_SETTLE_MS = 5 * 60_000;

export interface RollupReport {
  /** Hours added to the rolled-up span. */
  hours: number;
  /** Callbacks of those hours rolled up. */
  callbacks: number;
  /** Late arrivals (sent in hours rolled up before, received since the last run) rolled up. */
  lateCallbacks: number;
  /** The span's end after the run (ISO 8601), null when there is no daily partition to roll up. */
  rolledTo: string | null;
}

/**
 * Keeps the hourly statistics rollup up to date, as a step of partition maintenance (under its advisory lock). The
 * rolled-up span runs from the oldest daily partition to the last whole hour before `now - settle`, through days
 * that have a partition only (the default partition's strays are always read from the callbacks table); late
 * arrivals in the span are added at the next run. Each day is its own transaction, state and rows together, so a
 * reader sees a consistent rollup at every moment.
 */
@Injectable()
export class StatsRollupService {
  constructor(private readonly rollup: StatsRollupRepository) {}

  /** One run as of `now`; each transaction on a connection that `onConnection` lends (and releases). */
  async run(
    now: Date,
    partitions: PartitionInfo[],
    onConnection: <T>(work: (runner: QueryRunner) => Promise<T>) => Promise<T>,
    settleMs = DEFAULT_ROLLUP_SETTLE_MS,
  ): Promise<RollupReport> {
    const daily = partitions.filter((p) => p.from && p.to).sort((a, b) => a.from!.getTime() - b.from!.getTime());
    const report: RollupReport = { hours: 0, callbacks: 0, lateCallbacks: 0, rolledTo: null };
    if (daily.length === 0) {
      return report;
    }
    const oldest = daily[0].from!;
    const begun = await onConnection((runner) =>
      inMaintenanceTransaction(runner, 0, async () => {
        const state = await this.rollup.state(runner, true);
        if (!state) {
          throw new Error('the rollup state row is missing (run the migrations)');
        }
        if (state.rolledFrom && oldest < state.rolledFrom) {
          // Partitions older than the span appeared (made by hand): roll everything up again from the oldest.
          await this.rollup.deleteBefore(runner, null);
          Object.assign(state, { rolledFrom: null, rolledTo: null, receivedBefore: null });
        }
        const dbNow = await this.rollup.now(runner);
        const previous = state.receivedBefore;
        let receivedBefore = new Date(Math.min(now.getTime(), dbNow.getTime()) - settleMs);
        if (previous && receivedBefore < previous) {
          receivedBefore = previous;
        }
        const from = state.rolledFrom && state.rolledFrom > oldest ? state.rolledFrom : oldest;
        const to = state.rolledTo && state.rolledTo > from ? state.rolledTo : from;
        await this.rollup.deleteBefore(runner, from);
        if (previous && to > from && receivedBefore > previous) {
          report.lateCallbacks = (
            await this.rollup.rollUpReceived(runner, from, to, previous, receivedBefore)
          ).callbacks;
        }
        await this.rollup.setState(runner, { rolledFrom: from, rolledTo: to, receivedBefore });
        return { to, receivedBefore };
      }),
    );
    const target = new Date(Math.floor(begun.receivedBefore.getTime() / HOUR_MS) * HOUR_MS);
    let to = begun.to;
    while (to < target && daily.some((p) => p.from! <= to && p.to! > to)) {
      const end = new Date(Math.min(target.getTime(), addDays(utcDay(to), 1).getTime()));
      const start = to;
      const rolled = await onConnection((runner) =>
        inMaintenanceTransaction(runner, 0, async () => {
          const result = await this.rollup.rollUpSent(runner, start, end, begun.receivedBefore);
          const state = (await this.rollup.state(runner, true))!;
          await this.rollup.setState(runner, { ...state, rolledTo: end });
          return result;
        }),
      );
      report.hours += (end.getTime() - start.getTime()) / HOUR_MS;
      report.callbacks += rolled.callbacks;
      to = end;
    }
    report.rolledTo = to.toISOString();
    return report;
  }
}
