import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CALLBACK_RETENTION_OPTIONS, CallbackRetentionOptions } from './callback-retention.options';
import { CallbackRetentionService } from './callback-retention.service';

/**
 * Runs partition maintenance once the application is up, then every `intervalMinutes`. Every instance schedules
 * it; the advisory lock lets one of them do it at a time, the others skip. Not part of the CLI.
 */
@Injectable()
export class CallbackRetentionScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CallbackRetention');
  private timer?: NodeJS.Timeout;
  private current?: Promise<unknown>;
  private stopping = false;

  constructor(
    private readonly retention: CallbackRetentionService,
    @Inject(CALLBACK_RETENTION_OPTIONS) private readonly options: CallbackRetentionOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.intervalMinutes <= 0) {
      this.logger.log('Partition maintenance is not scheduled (CALLBACK_MAINTENANCE_INTERVAL_MINUTES=0)');
      return;
    }
    const tick = () => {
      if (this.stopping) {
        return;
      }
      this.current = this.retention.runMaintenance().catch((err: Error) => {
        this.logger.error(`Partition maintenance failed: ${err.message}`, err.stack);
      });
    };
    this.timer = setInterval(tick, this.options.intervalMinutes * 60_000).unref();
    setImmediate(tick);
  }

  /** Before the data source closes (in `onApplicationShutdown`): no new run, and the one going on finishes. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.current;
  }
}
