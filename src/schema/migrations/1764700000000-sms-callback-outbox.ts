import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox of the stream to the broker (issue 12): one row per newly stored callback while the stream is
 * on, written in the statement that stores the callback, deleted once the broker confirmed its message.
 * No foreign key to `sms_callbacks`: retention may drop callbacks (or their partitions).
 */
export class SmsCallbackOutbox1764700000000 implements MigrationInterface {
  name = 'SmsCallbackOutbox1764700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sms_callback_outbox" (
         "id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
         "callback_id" uuid NOT NULL,
         "callback_received_at" TIMESTAMP WITH TIME ZONE NOT NULL,
         CONSTRAINT "PK_sms_callback_outbox_id" PRIMARY KEY ("id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sms_callback_outbox"`);
  }
}
