import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const OUTBOX_TABLE = 'sms_callback_outbox';

/**
 * A newly stored callback that the broker has not confirmed yet. Written in the statement that stores the
 * callback (see `CallbackOutbox`), deleted once the broker confirmed its message. Its own table, keyed to
 * the callback by id and time received, without a foreign key: a callback may be dropped by retention.
 */
@Entity({ name: OUTBOX_TABLE })
export class SmsCallbackOutboxEntry {
  /** Numbered in insertion order: the relay publishes the lowest numbers first. */
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'PK_sms_callback_outbox_id',
  })
  id: string;

  @Column({ name: 'callback_id', type: 'uuid' })
  callbackId: string;

  /** The callback's `received_at`: with its id, where to find it (also in a table partitioned by time). */
  @Column({ name: 'callback_received_at', type: 'timestamptz' })
  callbackReceivedAt: Date;
}
