import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const OUTBOX_TABLE = 'sms_callback_outbox';

/**
 * A newly stored callback that the broker has not confirmed yet. Written in the statement that stores the
 * callback (see `CallbackOutbox`), deleted once the broker confirmed its message. Its own table, keyed to
 * the callback by id, time received and partition key, without a foreign key: a callback may be dropped by
 * retention.
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

  /** The callback's `send_time_at`, its partition key: the relay reads the callback from that partition only. */
  @Column({ name: 'callback_send_time_at', type: 'timestamptz', nullable: true })
  callbackSendTimeAt: Date | null;

  /** Set while a relay publishes the row; a row whose lease ran out (its relay died) is claimed again. */
  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true })
  claimedUntil: Date | null;
}
