/**
 * A transactional outbox for newly stored callbacks: when a module provides {@link CALLBACK_OUTBOX} (the
 * stream to the broker does, while it is on), the statement that stores a batch of callbacks also inserts
 * one row per new callback (never for a replay) into `table`, so that the rows commit, or not, with the
 * callbacks, in the same round trip. The table has the columns `callback_id uuid`,
 * `callback_received_at timestamptz` and `callback_send_time_at timestamptz` (the callback's key and its
 * partition; no foreign key: callbacks may be dropped by retention) and numbers its rows itself.
 */
export interface CallbackOutbox {
  readonly table: string;
  /** Called after a statement that wrote outbox rows has committed (e.g. to relay them at once). */
  recorded(): void;
}

/** Provided (globally) by the module that relays the outbox; absent or null: no outbox rows are written. */
export const CALLBACK_OUTBOX = Symbol('CALLBACK_OUTBOX');
