import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '../common/filters/database-errors';
import {
  InsertedSmsCallback,
  NewSmsCallback,
  SmsCallbackRepository,
  StoredSmsCallback,
} from './sms-callback.repository';

export interface WriteResult {
  callback: StoredSmsCallback;
  /** True when the enterprise already had this callback: nothing new was stored. */
  replayed: boolean;
}

interface PendingWrite {
  row: NewSmsCallback;
  resolve(result: WriteResult): void;
  reject(error: unknown): void;
}

/** At most this many callbacks in one INSERT (14 parameters each; PostgreSQL takes 65,535). */
const MAX_BATCH = 500;

/**
 * Group commit for new callbacks. Requests that arrive while earlier batches are being written wait for
 * the next batch; each batch is one multi-row `INSERT ... ON CONFLICT DO NOTHING RETURNING`, committed
 * before any of its requests is answered. At low load a batch is one request, written at once (no timer);
 * under load, one round trip and one commit serve many requests. Replays come back from the conflict and
 * are read in one query per batch.
 *
 * A batch that fails because the database is unreachable fails all its requests (each is answered 503
 * and will be sent again); one that fails for another reason is retried row by row, so that one bad row
 * fails only its own request.
 */
@Injectable()
export class CallbackWriter {
  private readonly logger = new Logger(CallbackWriter.name);
  private readonly maxInFlight: number;
  private pending: PendingWrite[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly callbacks: SmsCallbackRepository,
    @InjectDataSource() dataSource: DataSource,
  ) {
    // Leave one pooled connection for reads and key verification. The pool is the data source's own (the
    // embedded database uses 1, whatever DB_POOL_SIZE says).
    const poolSize = (dataSource.options as { poolSize?: number }).poolSize ?? 10;
    this.maxInFlight = Math.max(1, poolSize - 1);
  }

  /** Stores the callback unless it is a replay; resolves after the commit. */
  write(row: NewSmsCallback): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.pending.length === 0) {
      return;
    }
    this.scheduled = true;
    // After the current I/O callbacks: requests that arrived together go in one batch.
    setImmediate(() => {
      this.scheduled = false;
      while (this.pending.length > 0 && this.inFlight < this.maxInFlight) {
        const batch = this.pending.splice(0, MAX_BATCH);
        this.inFlight++;
        void this.writeBatch(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  private async writeBatch(batch: PendingWrite[]): Promise<void> {
    try {
      const inserted = await this.callbacks.insertManyUnlessReplay(batch.map((write) => write.row));
      await this.settle(batch, inserted);
    } catch (err) {
      if (batch.length === 1 || isDatabaseUnavailable(err)) {
        batch.forEach((write) => write.reject(err));
        return;
      }
      this.logger.warn(`A batch of ${batch.length} callbacks failed (${(err as Error).message}); retrying one by one`);
      for (const write of batch) {
        await this.writeBatch([write]);
      }
    }
  }

  /** Answers each request of the batch: its new row, or the stored row it replays. */
  private async settle(batch: PendingWrite[], inserted: InsertedSmsCallback[]): Promise<void> {
    const fresh = new Map(inserted.map((row) => [keyOf(row.enterpriseId, row.replayKey), row]));
    const replays: PendingWrite[] = [];
    for (const write of batch) {
      const key = keyOf(write.row.enterpriseId, write.row.replayKey);
      const row = fresh.get(key);
      if (row) {
        // The first request with this key stored it; a repeat in the same batch is a replay.
        fresh.delete(key);
        write.resolve({ callback: row, replayed: false });
      } else {
        replays.push(write);
      }
    }
    if (replays.length === 0) {
      return;
    }
    const stored = await this.callbacks.findByReplayKeys(replays.map((write) => write.row));
    const byKey = new Map(stored.map((row) => [keyOf(row.enterpriseId, row.replayKey), row]));
    for (const write of replays) {
      const row = byKey.get(keyOf(write.row.enterpriseId, write.row.replayKey));
      if (row) {
        write.resolve({ callback: row, replayed: true });
      } else {
        write.reject(new Error('A replayed callback conflicted with a row that could not be read back'));
      }
    }
  }
}

function keyOf(enterpriseId: string, replayKey: Buffer): string {
  return `${enterpriseId}\u0000${replayKey.toString('hex')}`;
}
