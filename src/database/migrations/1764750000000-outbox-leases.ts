import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox's rows carry their callback's partition key (`send_time_at`), so that the relay reads each
 * callback from its own partition instead of probing every one by id; and a lease (`claimed_until`), so that
 * the relay claims rows in a short statement and holds no connection nor transaction while it waits for the
 * broker's confirms (on the embedded database, whose only connection the vendors' requests need).
 */
export class OutboxLeases1764750000000 implements MigrationInterface {
  name = 'OutboxLeases1764750000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "sms_callback_outbox"
         ADD COLUMN "callback_send_time_at" TIMESTAMP WITH TIME ZONE,
         ADD COLUMN "claimed_until" TIMESTAMP WITH TIME ZONE`,
    );
    // The rows waiting now (a few, normally: the outbox drains within seconds) learn their partition key.
    await queryRunner.query(
      `UPDATE "sms_callback_outbox" o SET "callback_send_time_at" = c."send_time_at"
         FROM "sms_callbacks" c
        WHERE c."id" = o."callback_id" AND c."received_at" = o."callback_received_at"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "sms_callback_outbox" DROP COLUMN "claimed_until", DROP COLUMN "callback_send_time_at"`,
    );
  }
}
