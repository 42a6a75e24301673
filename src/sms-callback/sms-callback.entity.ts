import { Column, Entity, Index, ManyToOne, JoinColumn, PrimaryGeneratedColumn } from 'typeorm';
import { License } from '../license/license.entity';

/**
 * One delivery report, as a vendor sent it, with the enterprise and license it came through.
 *
 * The table is partitioned by range of `send_time_at`, one partition per UTC day plus a default one (migration
 * 1764600000000, `partitions/partition-days.ts`). TypeORM knows nothing of partitions, so the migrations own this
 * table (`synchronize: false`: the schema diff leaves it alone; test/migrations.e2e-spec.ts holds the columns to
 * this class). A unique index must hold the partition key: the replay key's is (enterprise_id, replay_key,
 * send_time_at), which is as strict as (enterprise_id, replay_key) since the key covers the sendTime; and there is
 * no primary key: `id` is unique by construction and by the unique index (id, send_time_at).
 */
@Entity({ name: 'sms_callbacks', synchronize: false })
@Index('UQ_sms_callbacks_enterprise_replay_key_send_time', ['enterpriseId', 'replayKey', 'sendTimeAt'], {
  unique: true,
})
@Index('UQ_sms_callbacks_id_send_time', ['id', 'sendTimeAt'], { unique: true })
@Index('IDX_sms_callbacks_enterprise_received', ['enterpriseId', 'receivedAt', 'id'])
@Index('IDX_sms_callbacks_enterprise_msisdn', ['enterpriseId', 'msisdnNormalized', 'receivedAt'])
@Index('IDX_sms_callbacks_enterprise_request_id', ['enterpriseId', 'requestId'])
@Index('IDX_sms_callbacks_enterprise_referent_id', ['enterpriseId', 'referentId'])
// (enterprise_id, send_time_at) INCLUDE (status, request_id, response_time_telco_at): TypeORM cannot declare INCLUDE.
@Index('IDX_sms_callbacks_enterprise_send_time_stats', { synchronize: false })
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

  /**
   * The number in international digits (`84912345678` for `0912345678`). NULL only for rows stored before
   * normalisation whose number could not be read.
   */
  @Column({ name: 'msisdn_normalized', type: 'varchar', length: 20, nullable: true })
  msisdnNormalized: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 255 })
  requestId: string;

  @Column({ name: 'send_time', type: 'varchar', length: 64 })
  sendTime: string;

  @Column({ name: 'response_time_telco', type: 'varchar', length: 64, nullable: true })
  responseTimeTelco: string | null;

  /**
   * `sendTime` read as an instant: the partition key. NULL only for rows stored before parsing whose value could
   * not be read (they live in the default partition).
   */
  @Column({ name: 'send_time_at', type: 'timestamptz', nullable: true })
  sendTimeAt: Date | null;

  /** `responseTimeTelco` read as an instant; NULL when absent. */
  @Column({ name: 'response_time_telco_at', type: 'timestamptz', nullable: true })
  responseTimeTelcoAt: Date | null;

  @Column({ type: 'integer', nullable: true })
  status: number | null;

  @Column({ name: 'referent_id', type: 'varchar', length: 255 })
  referentId: string;

  @Column({ name: 'retry_count', type: 'integer' })
  retryCount: number;

  /**
   * SHA-256 of the seven callback values, normalised (see `replayKeyOf`): with the enterprise, the unique key
   * that makes a replay land on the stored row instead of a second one.
   */
  @Column({ name: 'replay_key', type: 'bytea' })
  replayKey: Buffer;

  /** The body exactly as parsed, unknown fields included. */
  @Column({ name: 'raw_body', type: 'jsonb' })
  rawBody: Record<string, unknown>;
}
