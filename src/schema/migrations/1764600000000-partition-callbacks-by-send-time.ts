import { Logger } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';
// The partition arithmetic as this migration ran it, frozen with it.
import {
  addDays,
  DEFAULT_PARTITION,
  dayBounds,
  PARTITION_DAYS_AHEAD,
  PARTITION_DAYS_BEHIND,
  partitionName,
  utcDay,
} from './frozen/1764600000000/partition-days';

const COLUMNS = `"id", "enterprise_id", "license_id", "received_at", "msisdn", "msisdn_normalized", "request_id",
  "send_time", "send_time_at", "response_time_telco", "response_time_telco_at", "status", "referent_id",
  "retry_count", "replay_key", "raw_body"`;

const COLUMN_DEFINITIONS = `
  "id" uuid NOT NULL DEFAULT gen_random_uuid(),
  "enterprise_id" character varying(64) NOT NULL,
  "license_id" uuid NOT NULL,
  "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
  "msisdn" character varying(32) NOT NULL,
  "msisdn_normalized" character varying(20),
  "request_id" character varying(255) NOT NULL,
  "send_time" character varying(64) NOT NULL,
  "send_time_at" TIMESTAMP WITH TIME ZONE,
  "response_time_telco" character varying(64),
  "response_time_telco_at" TIMESTAMP WITH TIME ZONE,
  "status" integer,
  "referent_id" character varying(255) NOT NULL,
  "retry_count" integer NOT NULL,
  "replay_key" bytea NOT NULL,
  "raw_body" jsonb NOT NULL,
  CONSTRAINT "FK_sms_callbacks_license_id" FOREIGN KEY ("license_id")
    REFERENCES "licenses" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION`;

/** The indexes both shapes of the table share (the unique ones differ: see below). */
const SHARED_INDEXES = [
  `CREATE INDEX "IDX_sms_callbacks_enterprise_received" ON "sms_callbacks" ("enterprise_id", "received_at", "id")`,
  `CREATE INDEX "IDX_sms_callbacks_enterprise_msisdn" ON "sms_callbacks" ("enterprise_id", "msisdn_normalized", "received_at")`,
  `CREATE INDEX "IDX_sms_callbacks_enterprise_request_id" ON "sms_callbacks" ("enterprise_id", "request_id")`,
  `CREATE INDEX "IDX_sms_callbacks_enterprise_referent_id" ON "sms_callbacks" ("enterprise_id", "referent_id")`,
  `CREATE INDEX "IDX_sms_callbacks_enterprise_send_time_stats" ON "sms_callbacks" ("enterprise_id", "send_time_at")
     INCLUDE ("status", "request_id", "response_time_telco_at")`,
];
const SHARED_INDEX_NAMES = SHARED_INDEXES.map((sql) => /"(IDX_[^"]+)"/.exec(sql)![1]);

/** How far back the migration gives stored days a partition of their own; older rows go to the default one. */
const OLDEST_PARTITIONED_DAYS = 3650;

/**
 * Retention and bounded reads (issue 15): `sms_callbacks` becomes a table partitioned by range of the parsed
 * sendTime (`send_time_at`), one partition per UTC day, plus a default partition for rows outside every daily
 * one. A replay has the same sendTime as its original (the replay key covers it), so it lands in the same
 * partition: the unique index (enterprise_id, replay_key, send_time_at) keeps exactly-once storage across
 * partitions. PostgreSQL cannot enforce a key without the partition key, so the table has no primary key: `id`
 * stays unique by construction (gen_random_uuid) and by the unique index (id, send_time_at).
 *
 * Stored rows are copied over, every one: each UTC day of stored sendTimes (from ten years back to
 * {@link PARTITION_DAYS_AHEAD} days ahead) gets its partition, with yesterday's, today's and the days ahead; the rest
 * goes to the default partition. The copy holds the table for its duration (measured: see the README).
 */
export class PartitionCallbacksBySendTime1764600000000 implements MigrationInterface {
  name = 'PartitionCallbacksBySendTime1764600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('SET LOCAL statement_timeout = 0');
    await queryRunner.query(`ALTER TABLE "sms_callbacks" RENAME TO "sms_callbacks_unpartitioned"`);
    for (const index of [...SHARED_INDEX_NAMES, 'UQ_sms_callbacks_enterprise_replay_key']) {
      await queryRunner.query(`DROP INDEX "${index}"`);
    }
    await queryRunner.query(
      `ALTER TABLE "sms_callbacks_unpartitioned" DROP CONSTRAINT "FK_sms_callbacks_license_id",
         DROP CONSTRAINT "PK_sms_callbacks_id"`,
    );
    await queryRunner.query(`CREATE TABLE "sms_callbacks" (${COLUMN_DEFINITIONS}) PARTITION BY RANGE ("send_time_at")`);

    const today = utcDay(new Date());
    const stored: Array<{ day: Date }> = await queryRunner.query(
      `SELECT DISTINCT date_trunc('day', send_time_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day
         FROM "sms_callbacks_unpartitioned" WHERE send_time_at >= $1 AND send_time_at < $2`,
      [addDays(today, -OLDEST_PARTITIONED_DAYS), addDays(today, PARTITION_DAYS_AHEAD + 1)],
    );
    const days = new Map(stored.map(({ day }) => [day.getTime(), day]));
    for (let ahead = -PARTITION_DAYS_BEHIND; ahead <= PARTITION_DAYS_AHEAD; ahead++) {
      const day = addDays(today, ahead);
      days.set(day.getTime(), day);
    }
    for (const day of days.values()) {
      await queryRunner.query(`CREATE TABLE "${partitionName(day)}" PARTITION OF "sms_callbacks" ${dayBounds(day)}`);
    }
    await queryRunner.query(`CREATE TABLE "${DEFAULT_PARTITION}" PARTITION OF "sms_callbacks" DEFAULT`);

    // Indexes after the copy: one sorted build per partition instead of row-by-row maintenance.
    await queryRunner.query(
      `INSERT INTO "sms_callbacks" (${COLUMNS}) SELECT ${COLUMNS} FROM "sms_callbacks_unpartitioned"`,
    );
    const [{ copied }] = await queryRunner.query(`SELECT count(*)::int AS copied FROM "sms_callbacks"`);
    const [{ before }] = await queryRunner.query(`SELECT count(*)::int AS before FROM "sms_callbacks_unpartitioned"`);
    if (copied !== before) {
      throw new Error(`${this.name}: copied ${copied} callbacks of ${before}; nothing changed`);
    }
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_sms_callbacks_enterprise_replay_key_send_time" ON "sms_callbacks" ("enterprise_id", "replay_key", "send_time_at")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_sms_callbacks_id_send_time" ON "sms_callbacks" ("id", "send_time_at")`,
    );
    for (const sql of SHARED_INDEXES) {
      await queryRunner.query(sql);
    }
    await queryRunner.query(`DROP TABLE "sms_callbacks_unpartitioned"`);
    await queryRunner.query('ANALYZE "sms_callbacks"');
    new Logger('Migration').log(
      `${this.name}: ${copied} stored callbacks copied into ${days.size} daily partitions and the default one`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('SET LOCAL statement_timeout = 0');
    await queryRunner.query(`ALTER TABLE "sms_callbacks" RENAME TO "sms_callbacks_partitioned"`);
    for (const index of [
      ...SHARED_INDEX_NAMES,
      'UQ_sms_callbacks_enterprise_replay_key_send_time',
      'UQ_sms_callbacks_id_send_time',
    ]) {
      await queryRunner.query(`DROP INDEX "${index}"`);
    }
    await queryRunner.query(`ALTER TABLE "sms_callbacks_partitioned" DROP CONSTRAINT "FK_sms_callbacks_license_id"`);
    await queryRunner.query(
      `CREATE TABLE "sms_callbacks" (${COLUMN_DEFINITIONS}, CONSTRAINT "PK_sms_callbacks_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "sms_callbacks" (${COLUMNS}) SELECT ${COLUMNS} FROM "sms_callbacks_partitioned"`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_sms_callbacks_enterprise_replay_key" ON "sms_callbacks" ("enterprise_id", "replay_key")`,
    );
    for (const sql of SHARED_INDEXES) {
      await queryRunner.query(sql);
    }
    await queryRunner.query(`DROP TABLE "sms_callbacks_partitioned"`);
  }
}
