import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statistics that stay fast over long ranges (issue 15): `sms_callback_stats_hourly` holds, per enterprise, UTC hour
 * of the parsed sendTime and status, the mergeable figures of the callbacks of that hour: counts, the latency's
 * count / min / max, a latency histogram (bucket, count arrays) and a HyperLogLog sketch of the request ids. Rows
 * are only ever added (a maintenance run adds the hours it rolls up and the late arrivals of hours rolled before)
 * and deleted with the partition of their day. `sms_callback_stats_rollup` is the one-row state: the hours rolled
 * up (`rolled_from` .. `rolled_to`) and the receipt time they cover (`received_before`). See
 * `src/sms-callback/stats/`.
 */
export class CallbackStatsRollup1764800000000 implements MigrationInterface {
  name = 'CallbackStatsRollup1764800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sms_callback_stats_hourly" (
         "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
         "enterprise_id" character varying(64) NOT NULL,
         "hour" TIMESTAMP WITH TIME ZONE NOT NULL,
         "status" integer,
         "received_before" TIMESTAMP WITH TIME ZONE NOT NULL,
         "callbacks" integer NOT NULL,
         "latency_count" integer NOT NULL,
         "latency_min_ms" double precision,
         "latency_max_ms" double precision,
         "latency_buckets" integer[] NOT NULL,
         "latency_counts" integer[] NOT NULL,
         "request_id_sketch" integer[] NOT NULL,
         CONSTRAINT "PK_sms_callback_stats_hourly_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_callback_stats_hourly_enterprise_hour" ON "sms_callback_stats_hourly" ("enterprise_id", "hour")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_callback_stats_hourly_hour" ON "sms_callback_stats_hourly" ("hour")`,
    );
    await queryRunner.query(
      `CREATE TABLE "sms_callback_stats_rollup" (
         "id" boolean NOT NULL DEFAULT true,
         "rolled_from" TIMESTAMP WITH TIME ZONE,
         "rolled_to" TIMESTAMP WITH TIME ZONE,
         "received_before" TIMESTAMP WITH TIME ZONE,
         CONSTRAINT "PK_sms_callback_stats_rollup_id" PRIMARY KEY ("id"),
         CONSTRAINT "CHK_sms_callback_stats_rollup_one_row" CHECK ("id"))`,
    );
    await queryRunner.query(`INSERT INTO "sms_callback_stats_rollup" ("id") VALUES (true)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sms_callback_stats_rollup"`);
    await queryRunner.query(`DROP TABLE "sms_callback_stats_hourly"`);
  }
}
