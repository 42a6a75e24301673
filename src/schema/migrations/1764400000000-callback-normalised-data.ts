import { Logger } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';
// The logic as this migration ran it, frozen with it: a later change to the service's normalisers must not
// change what running this migration again does.
import { normalizeMsisdn } from './frozen/1764400000000/msisdn';
import { replayKeyOf } from './frozen/1764400000000/replay-key';
import { parseVendorTime } from './frozen/1764400000000/vendor-time';

const BATCH = 1_000;

interface StoredRow {
  id: string;
  enterprise_id: string;
  msisdn: string;
  request_id: string;
  send_time: string;
  response_time_telco: string | null;
  status: number | null;
  referent_id: string;
  retry_count: number;
}

/**
 * Callback data done right (issue 4): the normalised phone number and the parsed times next to the values
 * as sent, the indexes of the list's filters and of the statistics, and rows already stored filled in. A row
 * whose raw values do not parse keeps NULL there (counted in the log line), never dropped; its replay key is
 * recomputed from the normalised values unless another row already holds that key.
 */
export class CallbackNormalisedData1764400000000 implements MigrationInterface {
  name = 'CallbackNormalisedData1764400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Filling in and indexing a large table takes longer than the service's statement timeout.
    await queryRunner.query('SET LOCAL statement_timeout = 0');
    await queryRunner.query(`
      ALTER TABLE "sms_callbacks"
        ADD "msisdn_normalized" character varying(20),
        ADD "send_time_at" TIMESTAMP WITH TIME ZONE,
        ADD "response_time_telco_at" TIMESTAMP WITH TIME ZONE`);
    const counts = await this.backfill(queryRunner);
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_callbacks_enterprise_msisdn" ON "sms_callbacks" ("enterprise_id", "msisdn_normalized", "received_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_callbacks_enterprise_request_id" ON "sms_callbacks" ("enterprise_id", "request_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_callbacks_enterprise_referent_id" ON "sms_callbacks" ("enterprise_id", "referent_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_sms_callbacks_enterprise_send_time" ON "sms_callbacks" ("enterprise_id", "send_time_at")`,
    );
    new Logger('Migration').log(
      `${this.name}: ${counts.rows} stored callbacks filled in; unreadable: msisdn ${counts.badMsisdn}, ` +
        `sendTime ${counts.badSendTime}, responseTimeTelco ${counts.badResponseTime} (kept NULL); ` +
        `replay keys kept because of a collision: ${counts.keptKeys}`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_sms_callbacks_enterprise_send_time"`);
    await queryRunner.query(`DROP INDEX "IDX_sms_callbacks_enterprise_referent_id"`);
    await queryRunner.query(`DROP INDEX "IDX_sms_callbacks_enterprise_request_id"`);
    await queryRunner.query(`DROP INDEX "IDX_sms_callbacks_enterprise_msisdn"`);
    await queryRunner.query(
      `ALTER TABLE "sms_callbacks" DROP COLUMN "response_time_telco_at", DROP COLUMN "send_time_at", DROP COLUMN "msisdn_normalized"`,
    );
  }

  private async backfill(queryRunner: QueryRunner) {
    const zone = process.env.CALLBACK_TIMEZONE?.trim() || 'Asia/Ho_Chi_Minh';
    const countryCode = process.env.DEFAULT_COUNTRY_CODE?.trim() || '84';
    const counts = { rows: 0, badMsisdn: 0, badSendTime: 0, badResponseTime: 0, keptKeys: 0 };
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows: StoredRow[] = await queryRunner.query(
        `SELECT id, enterprise_id, msisdn, request_id, send_time, response_time_telco, status, referent_id, retry_count
           FROM sms_callbacks WHERE id > $1 ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) {
        return counts;
      }
      for (const row of rows) {
        const msisdn = attempt(() => normalizeMsisdn(row.msisdn, countryCode));
        const sendTime = attempt(() => parseVendorTime(row.send_time, zone));
        const responseTime =
          row.response_time_telco === null ? null : attempt(() => parseVendorTime(row.response_time_telco!, zone));
        counts.badMsisdn += msisdn ? 0 : 1;
        counts.badSendTime += sendTime ? 0 : 1;
        counts.badResponseTime += row.response_time_telco !== null && !responseTime ? 1 : 0;
        await queryRunner.query(
          `UPDATE sms_callbacks SET msisdn_normalized = $2, send_time_at = $3, response_time_telco_at = $4 WHERE id = $1`,
          [row.id, msisdn ?? null, sendTime ?? null, responseTime ?? null],
        );
        const readable = msisdn && sendTime && (row.response_time_telco === null || responseTime);
        if (readable) {
          const key = replayKeyOf({
            msisdn,
            requestId: row.request_id,
            sendTime,
            responseTimeTelco: responseTime ?? null,
            status: row.status,
            referentId: row.referent_id,
            retryCount: row.retry_count,
          });
          const updated: unknown[] = await queryRunner.query(
            `UPDATE sms_callbacks SET replay_key = $2 WHERE id = $1 AND NOT EXISTS
               (SELECT 1 FROM sms_callbacks WHERE enterprise_id = $3 AND replay_key = $2 AND id <> $1) RETURNING id`,
            [row.id, key, row.enterprise_id],
          );
          counts.keptKeys += updated.length === 0 ? 1 : 0;
        }
      }
      counts.rows += rows.length;
      after = rows[rows.length - 1].id;
    }
  }
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
