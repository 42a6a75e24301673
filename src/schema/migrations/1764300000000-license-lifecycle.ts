import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * License lifecycle (issue 3): a per-license rate limit and allow-list of client addresses, the link from a
 * rotated license to the one it replaced, and the audit trail of every change (`license_events`).
 */
export class LicenseLifecycle1764300000000 implements MigrationInterface {
  name = 'LicenseLifecycle1764300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "licenses"
        ADD "rate_limit_per_second" integer,
        ADD "allowed_ips" text array NOT NULL DEFAULT '{}',
        ADD "rotated_from_id" uuid,
        ADD CONSTRAINT "CHK_licenses_rate_limit_per_second"
          CHECK ("rate_limit_per_second" IS NULL OR "rate_limit_per_second" > 0),
        ADD CONSTRAINT "FK_licenses_rotated_from_id" FOREIGN KEY ("rotated_from_id")
          REFERENCES "licenses" ("id") ON DELETE SET NULL ON UPDATE NO ACTION`);

    await queryRunner.query(`
      CREATE TABLE "license_events" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "license_id" uuid NOT NULL,
        "action" character varying(16) NOT NULL,
        "changes" jsonb NOT NULL,
        "actor" character varying(128) NOT NULL,
        "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_license_events_action"
          CHECK ("action" IN ('created', 'updated', 'suspended', 'resumed', 'revoked', 'rotated')),
        CONSTRAINT "PK_license_events_id" PRIMARY KEY ("id"),
        CONSTRAINT "FK_license_events_license_id" FOREIGN KEY ("license_id")
          REFERENCES "licenses" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_license_events_license_occurred" ON "license_events" ("license_id", "occurred_at", "id")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "license_events"`);
    await queryRunner.query(`
      ALTER TABLE "licenses"
        DROP CONSTRAINT "FK_licenses_rotated_from_id",
        DROP CONSTRAINT "CHK_licenses_rate_limit_per_second",
        DROP COLUMN "rotated_from_id",
        DROP COLUMN "allowed_ips",
        DROP COLUMN "rate_limit_per_second"`);
  }
}
