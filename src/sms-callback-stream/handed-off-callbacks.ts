import type { OutboxedCallback } from '../sms-callback/callback-outbox';

interface HandedOff extends OutboxedCallback {
  /** When its statement was sent (this process's clock; the lease began at the statement's start, after). */
  at: number;
}

/**
 * The callbacks this process stored and holds the outbox rows of (leased to it in the statement that stored
 * them), to publish from memory, in the order they were stored. One is published only if its turn comes
 * within `publishWithinMs` of its hand-off, so that its publication (at most the publish timeout) ends before
 * its lease does; one whose turn comes later is given up and left to the relay's look at the table, where it
 * is claimed once its lease ends (a relay that is too slow never publishes a row that another may hold).
 */
export class HandedOffCallbacks {
  private entries: HandedOff[] = [];

  constructor(
    private readonly publishWithinMs: number,
    readonly capacity: number,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  get full(): boolean {
    return this.entries.length >= this.capacity;
  }

  /** The rows of a statement sent at `at` (`Date.now()`). */
  add(rows: OutboxedCallback[], at: number): void {
    for (const row of rows) {
      this.entries.push({ outboxId: row.outboxId, callback: row.callback, at });
    }
  }

  /** The oldest `limit` still in time to be published, and how many were given up (past their time). */
  take(limit: number): { due: OutboxedCallback[]; givenUp: number } {
    const since = Date.now() - this.publishWithinMs;
    let givenUp = 0;
    while (givenUp < this.entries.length && this.entries[givenUp].at < since) {
      givenUp++;
    }
    const due = this.entries.splice(0, givenUp + limit).slice(givenUp);
    return { due: due.map(({ outboxId, callback }) => ({ outboxId, callback })), givenUp };
  }

  /** Empties the queue: what is left when the relay stops. */
  takeAll(): OutboxedCallback[] {
    const all = this.entries.map(({ outboxId, callback }) => ({ outboxId, callback }));
    this.entries = [];
    return all;
  }
}
