import { Column, Entity, Index, ManyToOne, JoinColumn, PrimaryGeneratedColumn } from 'typeorm';
import { License } from '../license/license.entity';

/** One delivery report, as a vendor sent it, with the enterprise and license it came through. */
@Entity({ name: 'sms_callbacks' })
@Index('UQ_sms_callbacks_enterprise_replay_key', ['enterpriseId', 'replayKey'], { unique: true })
@Index('IDX_sms_callbacks_enterprise_received', ['enterpriseId', 'receivedAt', 'id'])
export class SmsCallback {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_sms_callbacks_id' })
  id: string;

  @Column({ name: 'enterprise_id', type: 'varchar', length: 64 })
  enterpriseId: string;

  @Column({ name: 'license_id', type: 'uuid' })
  licenseId: string;

  @ManyToOne(() => License, { onDelete: 'RESTRICT', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'license_id', foreignKeyConstraintName: 'FK_sms_callbacks_license_id' })
  license?: License;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'varchar', length: 32 })
  msisdn: string;

  @Column({ name: 'request_id', type: 'varchar', length: 255 })
  requestId: string;

  @Column({ name: 'send_time', type: 'varchar', length: 64 })
  sendTime: string;

  @Column({ name: 'response_time_telco', type: 'varchar', length: 64, nullable: true })
  responseTimeTelco: string | null;

  @Column({ type: 'integer', nullable: true })
  status: number | null;

  @Column({ name: 'referent_id', type: 'varchar', length: 255 })
  referentId: string;

  @Column({ name: 'retry_count', type: 'integer' })
  retryCount: number;

  /**
   * SHA-256 of the seven callback values: with the enterprise, the unique key that makes a replay
   * land on the stored row instead of a second one (absent optional values count as equal).
   */
  @Column({ name: 'replay_key', type: 'bytea' })
  replayKey: Buffer;

  /** The body exactly as parsed, unknown fields included. */
  @Column({ name: 'raw_body', type: 'jsonb' })
  rawBody: Record<string, unknown>;
}
