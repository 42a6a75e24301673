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
   * Asked just before each statement: whether, and for how long, its rows are leased to this process, which
   * then publishes them from what it stored ({@link recorded}) rather than reading them back.
   */
  handOff(): OutboxHandOff;
  /** Called after a statement that wrote outbox rows has committed, with its rows and its {@link handOff}. */
  recorded(rows: OutboxedCallback[], handOff: OutboxHandOff): void;
}

/** The lease a statement writes its outbox rows with. */
export interface OutboxHandOff {
  /** From the statement's start (the database's `now()`); 0: no lease, the rows wait for the relay's look at the table. */
  readonly leaseMs: number;
  /** `Date.now()` when it was asked for, just before the statement was sent: when the lease began, at the latest. */
  readonly since: number;
}

/** Provided (globally) by the module that relays the outbox; absent or null: no outbox rows are written. */
export const CALLBACK_OUTBOX = Symbol('CALLBACK_OUTBOX');
