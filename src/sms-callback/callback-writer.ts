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

/** One request's callbacks (one, or the valid items of a batch): written in one statement, all or none. */
interface PendingWrite {
  rows: NewSmsCallback[];
  resolve(results: WriteResult[]): void;
  reject(error: unknown): void;
}

/**
 * Callbacks gathered into one INSERT: at most this many, in whole groups (a request's group is never split: a larger
 * one is a statement of its own). The statement takes one array per column whatever the number of rows.
 */
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
  async write(row: NewSmsCallback): Promise<WriteResult> {
    const [result] = await this.writeAll([row]);
    return result;
  }

  /**
   * Stores the callbacks (the valid items of a batch) unless they are replays, as one group of the group
   * commit: in one statement, committed together or not at all; resolves after the commit, in their order.
   * A repeat of an earlier callback of the same group is a replay of it.
   */
  writeAll(rows: NewSmsCallback[]): Promise<WriteResult[]> {
    if (rows.length === 0) {
      return Promise.resolve([]);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ rows, resolve, reject });
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
        const batch = this.nextBatch();
        this.inFlight++;
        void this.writeBatch(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  /** The pending groups that make up the next statement: whole groups, up to MAX_BATCH rows (at least one group). */
  private nextBatch(): PendingWrite[] {
    let rows = 0;
    let count = 0;
    while (count < this.pending.length && (count === 0 || rows + this.pending[count].rows.length <= MAX_BATCH)) {
      rows += this.pending[count].rows.length;
      count++;
    }
    return this.pending.splice(0, count);
  }

  private async writeBatch(batch: PendingWrite[]): Promise<void> {
    try {
      const inserted = await this.callbacks.insertManyUnlessReplay(batch.flatMap((write) => write.rows));
      await this.settle(batch, inserted);
    } catch (err) {
      if (batch.length === 1 || isDatabaseUnavailable(err)) {
        // One request's group fails as a whole: nothing of it was stored.
        batch.forEach((write) => write.reject(err));
        return;
      }
      this.logger.warn(
        `A statement of ${batch.length} requests' callbacks failed (${(err as Error).message}); retrying request by request`,
      );
      for (const write of batch) {
        await this.writeBatch([write]);
      }
    }
  }

  /** Answers each request of the batch: for each of its callbacks, the new row, or the stored row it replays. */
  private async settle(batch: PendingWrite[], inserted: InsertedSmsCallback[]): Promise<void> {
    const fresh = new Map(inserted.map((row) => [keyOf(row.enterpriseId, row.replayKey), row]));
    const results = batch.map((write) => new Array<WriteResult | undefined>(write.rows.length));
    const replays: Array<{ row: NewSmsCallback; write: number; index: number }> = [];
    batch.forEach((write, w) =>
      write.rows.forEach((row, index) => {
        const key = keyOf(row.enterpriseId, row.replayKey);
        const stored = fresh.get(key);
        if (stored) {
          // The first callback with this key stored it; a repeat in the same statement is a replay.
          fresh.delete(key);
          results[w][index] = { callback: stored, replayed: false };
        } else {
          replays.push({ row, write: w, index });
        }
      }),
    );
    const stored =
      replays.length === 0 ? [] : await this.callbacks.findByReplayKeys(replays.map((replay) => replay.row));
    const byKey = new Map(stored.map((row) => [keyOf(row.enterpriseId, row.replayKey), row]));
    const unreadable = new Set<number>();
    for (const replay of replays) {
      const row = byKey.get(keyOf(replay.row.enterpriseId, replay.row.replayKey));
      if (row) {
        results[replay.write][replay.index] = { callback: row, replayed: true };
      } else {
        unreadable.add(replay.write);
      }
    }
    batch.forEach((write, w) => {
      if (unreadable.has(w)) {
        write.reject(new Error('A replayed callback conflicted with a row that could not be read back'));
      } else {
        write.resolve(results[w] as WriteResult[]);
      }
    });
  }
}

function keyOf(enterpriseId: string, replayKey: Buffer): string {
  return `${enterpriseId}\u0000${replayKey.toString('hex')}`;
}
