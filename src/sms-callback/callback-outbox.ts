import type { StoredSmsCallback } from './stored-sms-callback';

/** A callback just stored, with the id of the outbox row written with it. */
export interface OutboxedCallback {
  outboxId: string;
  callback: StoredSmsCallback;
}

/**
 * A transactional outbox for newly stored callbacks: when a module provides {@link CALLBACK_OUTBOX} (the
 * stream to the broker does, while it is on), the statement that stores a batch of callbacks also inserts
 * one row per new callback (never for a replay) into `table`, so that the rows commit, or not, with the
 * callbacks, in the same round trip. The table has the columns `callback_id uuid`,
 * `callback_received_at timestamptz`, `callback_send_time_at timestamptz` (the callback's key and its
 * partition; no foreign key: callbacks may be dropped by retention) and `claimed_until timestamptz` (a
 * relay's lease), and numbers its rows itself.
 */
export interface CallbackOutbox {
  readonly table: string;
  /**
   * Asked for each statement: for how many milliseconds its rows are leased, from the statement's start, to
   * this process, which publishes them from what it stored ({@link recorded}) rather than reading them back;
   * 0: no lease, the rows wait for the relay's next look at the table.
   */
  handOffMs(): number;
  /** Called after a statement that wrote outbox rows has committed, with its rows and its `handOffMs`. */
  recorded(rows: OutboxedCallback[], handOffMs: number): void;
}

/** Provided (globally) by the module that relays the outbox; absent or null: no outbox rows are written. */
export const CALLBACK_OUTBOX = Symbol('CALLBACK_OUTBOX');
