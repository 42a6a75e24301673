import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { CallbackPartitionsRepository } from './callback-partitions.repository';
import { CALLBACK_RETENTION_OPTIONS, CallbackRetentionOptions } from './callback-retention.options';
import { planMaintenance } from './partition-days';
import { RollupReport, StatsRollupService } from '../stats/stats-rollup.service';

/** The advisory lock of partition maintenance: one instance at a time runs it. */
export const MAINTENANCE_LOCK_KEY = 7_314_226_015;
/** How long one DDL step waits for its table lock before it gives up (writers queue behind a waiting lock). */
const LOCK_TIMEOUT_MS = 500;
/** Attempts of a step that hit the lock timeout, a second apart. */
const LOCK_ATTEMPTS = 5;
const STRAY_BATCH = 10_000;

export interface MaintenanceReport {
  /** False when another instance held the lock: nothing was done. */
  ran: boolean;
  retentionDays: number;
  created: string[];
  /** Rows moved from the default partition into the partitions created. */
  movedRows: number;
  dropped: string[];
  /** How long the drops took (each drops a partition and its day of the rollup, in one transaction). */
  dropMs: number;
  /** Rows of the default partition deleted as expired. */
  deletedStrays: number;
  /** The statistics rollup's run (null when that step failed). */
  rollup: RollupReport | null;
  /** Steps that failed (each is tried again at the next run). */
  failures: string[];
  partitions: number;
  durationMs: number;
}

/**
 * Retention and partitions of the callbacks table: creates the daily partitions ahead, drops the expired ones
 * and deletes expired strays (see `planMaintenance`), then brings the statistics rollup up to date, under an advisory lock so that one instance at a time
 * does it. Run by {@link CallbackRetentionScheduler} and by `npm run callbacks -- maintain`.
 */
@Injectable()
export class CallbackRetentionService {
  private readonly logger = new Logger('CallbackRetention');
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly partitions: CallbackPartitionsRepository,
    @Inject(CALLBACK_RETENTION_OPTIONS) private readonly options: CallbackRetentionOptions,
    private readonly rollup: StatsRollupService,
  ) {}

  /** One maintenance run as of `now`, after any other run of this process (they never overlap). */
  runMaintenance(now = new Date()): Promise<MaintenanceReport> {
    const run = this.queue.then(() => this.run(now));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(now: Date): Promise<MaintenanceReport> {
    const started = Date.now();
    const report: MaintenanceReport = {
      ran: false,
      retentionDays: this.options.retentionDays,
      created: [],
      movedRows: 0,
      dropped: [],
      dropMs: 0,
      deletedStrays: 0,
      rollup: null,
      failures: [],
      partitions: 0,
      durationMs: 0,
    };
    // With one pooled connection (the embedded database, one process) there is no one to take turns with, and a
    // lock held for the whole run would hold the only connection: each step takes it in turn with the requests.
    const poolSize = (this.dataSource.options as { poolSize?: number }).poolSize ?? 10;
    const lockHolder = poolSize >= 2 ? this.dataSource.createQueryRunner('master') : undefined;
    try {
      if (lockHolder && !(await this.partitions.tryLock(lockHolder, MAINTENANCE_LOCK_KEY))) {
        this.logger.log('Partition maintenance skipped: another instance is running it');
        return { ...report, durationMs: Date.now() - started };
      }
      report.ran = true;
      try {
        await this.maintain(now, report);
      } finally {
        if (lockHolder) {
          // A session lock dies with its connection: when the database went away meanwhile there is nothing to
          // release, and the run's report (its failed steps) must not be lost to that.
          await this.partitions.unlock(lockHolder, MAINTENANCE_LOCK_KEY).catch((err: Error) => {
            this.logger.warn(`Partition maintenance: the advisory lock was not released (${err.message})`);
          });
        }
      }
    } finally {
      await lockHolder?.release();
    }
    report.durationMs = Date.now() - started;
    this.log(report);
    return report;
  }

  private async maintain(now: Date, report: MaintenanceReport): Promise<void> {
    const plan = planMaintenance(
      now,
      this.options.retentionDays,
      await this.onConnection((r) => this.partitions.list(r)),
    );
    for (const day of plan.create) {
      await this.step(report, `create the partition of ${day.toISOString().slice(0, 10)}`, async () => {
        report.movedRows += await this.onConnection((r) => this.partitions.createDay(r, day, LOCK_TIMEOUT_MS));
        report.created.push(day.toISOString().slice(0, 10));
      });
    }
    const dropsStarted = Date.now();
    for (const partition of plan.drop) {
      await this.step(report, `drop ${partition.name}`, async () => {
        await this.onConnection((r) => this.partitions.drop(r, partition, LOCK_TIMEOUT_MS));
        report.dropped.push(partition.name);
      });
    }
    report.dropMs = Date.now() - dropsStarted;
    const cutoff = plan.strayCutoff;
    if (cutoff) {
      await this.step(report, 'delete expired rows of the default partition', async () => {
        for (let deleted = STRAY_BATCH; deleted === STRAY_BATCH;) {
          deleted = await this.onConnection((r) =>
            this.partitions.deleteStrays(r, cutoff, STRAY_BATCH, LOCK_TIMEOUT_MS),
          );
          report.deletedStrays += deleted;
        }
      });
    }
    const partitions = await this.onConnection((r) => this.partitions.list(r));
    report.partitions = partitions.length;
    await this.step(report, 'roll up the statistics', async () => {
      report.rollup = await this.rollup.run(
        now,
        partitions,
        (work) => this.onConnection(work),
        this.options.rollupSettleMs,
      );
    });
  }

  /** One step on a pooled connection of the primary, released after. */
  private async onConnection<T>(work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner('master');
    try {
      return await work(runner);
    } finally {
      await runner.release();
    }
  }

  /** Runs one step, trying again when it met the lock timeout; a failure is reported, never thrown. */
  private async step(report: MaintenanceReport, what: string, work: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await work();
        return;
      } catch (err) {
        const lockTimeout = (err as { code?: string }).code === '55P03';
        if (lockTimeout && attempt < LOCK_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          continue;
        }
        const reason = lockTimeout ? `the table stayed locked (${attempt} attempts)` : (err as Error).message;
        report.failures.push(`${what}: ${reason}`);
        this.logger.warn(`Partition maintenance could not ${what}: ${reason}; it is tried again at the next run`);
        return;
      }
    }
  }

  private log(report: MaintenanceReport): void {
    const rolled = (report.rollup?.hours ?? 0) + (report.rollup?.lateCallbacks ?? 0);
    const changed = report.created.length + report.dropped.length + report.deletedStrays + rolled > 0;
    if (!changed && report.failures.length === 0) {
      return;
    }
    this.logger.log(
      `Partition maintenance (retention ${report.retentionDays || 'forever'}${report.retentionDays ? ' days' : ''}): ` +
        `created ${report.created.length} (${report.movedRows} rows moved from the default partition), ` +
        `dropped ${report.dropped.length} (${report.dropMs} ms), expired strays deleted ${report.deletedStrays}, ` +
        `statistics rolled up: ${report.rollup ? `${report.rollup.hours} hours (${report.rollup.callbacks} callbacks) and ${report.rollup.lateCallbacks} late arrivals, up to ${report.rollup.rolledTo ?? 'nothing'}` : 'failed'}, ` +
        `failures ${report.failures.length}, ${report.partitions} partitions, ${report.durationMs} ms`,
    );
  }
}
