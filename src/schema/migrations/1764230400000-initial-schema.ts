import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764230400000 implements MigrationInterface {
  name = 'InitialSchema1764230400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "licenses" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "enterprise_id" character varying(64) NOT NULL,
        "label" character varying(200),
        "key_prefix" character varying(32) NOT NULL,
        "key_hash" character(64) NOT NULL,
        "status" character varying(16) NOT NULL DEFAULT 'active',
        "valid_from" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "CHK_licenses_status" CHECK ("status" IN ('active', 'suspended', 'revoked')),
        CONSTRAINT "PK_licenses_id" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_licenses_key_hash" ON "licenses" ("key_hash")`);
    await queryRunner.query(`CREATE INDEX "IDX_licenses_enterprise_id" ON "licenses" ("enterprise_id")`);

    await queryRunner.query(`
      CREATE TABLE "sms_callbacks" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "enterprise_id" character varying(64) NOT NULL,
        "license_id" uuid NOT NULL,
        "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "msisdn" character varying(32) NOT NULL,
        "request_id" character varying(255) NOT NULL,
        "send_time" character varying(64) NOT NULL,
        "response_time_telco" character varying(64),
        "status" integer,
        "referent_id" character varying(255) NOT NULL,
        "retry_count" integer NOT NULL,
        "replay_key" bytea NOT NULL,
        "raw_body" jsonb NOT NULL,
        CONSTRAINT "PK_sms_callbacks_id" PRIMARY KEY ("id"),
        CONSTRAINT "FK_sms_callbacks_license_id" FOREIGN KEY ("license_id")
          REFERENCES "licenses" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_sms_callbacks_enterprise_replay_key" ON "sms_callbacks" ("enterprise_id", "replay_key")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_callbacks_enterprise_received" ON "sms_callbacks" ("enterprise_id", "received_at", "id")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sms_callbacks"`);
    await queryRunner.query(`DROP TABLE "licenses"`);
  }
}
