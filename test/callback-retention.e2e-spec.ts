import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { addDays, partitionName, utcDay } from '../src/sms-callback/retention/partition-days';
import { CallbacksSchema, maintenanceOn, migratedCallbacksSchema } from './support/callbacks-schema';
import { schemaDataSource } from './support/schema-data-source';

const onServer = process.env.DB_POOL_SIZE !== '1';
const DAY = 86_400_000;

/**
 * Partition maintenance on a callbacks table of its own (a schema of this test), at chosen instants: what it
 * creates, drops and deletes for a retention, and how it behaves beside another instance or a held lock.
 */
describe('partition maintenance and retention', () => {
  let created: CallbacksSchema;
  let schema: string;
  let db: DataSource;
  let licenseId: string;
  const now = new Date();
  const today = utcDay(now);
  const retention = (retentionDays: number) => maintenanceOn(db, { retentionDays });

  /** A callback with this send time (null: unreadable) received at `receivedAt`; returns its id. */
  const insert = async (sendTimeAt: Date | null, receivedAt = now): Promise<string> => {
    const [{ id }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO sms_callbacks (enterprise_id, license_id, received_at, msisdn, request_id, send_time, send_time_at,
         referent_id, retry_count, replay_key, raw_body)
       VALUES ('ent', $1, $2, '84912345678', 'req', 'x', $3, 'ref', 0, $4, '{}') RETURNING id`,
      [licenseId, receivedAt, sendTimeAt, randomBytes(32)],
    );
    return id;
  };
  const exists = async (id: string) =>
    (await db.query<unknown[]>(`SELECT 1 FROM sms_callbacks WHERE id = $1`, [id])).length === 1;
  const partitionNames = async () =>
    (
      await db.query<Array<{ name: string }>>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'sms_callbacks'::regclass`,
      )
    ).map((row) => row.name);

  beforeAll(async () => {
    created = await migratedCallbacksSchema('retention_test');
    ({ db, licenseId, schema } = created);
  });
  afterAll(async () => {
    await created?.drop();
  });

  it('should keep a partition for yesterday, today and each of the 7 days ahead, creating the missing ones', async () => {
    // The migration made yesterday's, today's and the week ahead; two days later two more days are ahead.
    const report = await retention(30).runMaintenance(new Date(now.getTime() + 2 * DAY));
    expect(report).toMatchObject({ ran: true, dropped: [], failures: [] });
    expect(report.created).toEqual([addDays(today, 8), addDays(today, 9)].map((d) => d.toISOString().slice(0, 10)));
    const names = await partitionNames();
    for (let day = -1; day <= 9; day++) {
      expect(names).toContain(partitionName(addDays(today, day)));
    }
    expect(names).toContain('sms_callbacks_default');
    expect((await retention(30).runMaintenance(new Date(now.getTime() + 2 * DAY))).created).toEqual([]);
  });

  it('should drop the partition of a day once every callback in it was sent more than the retention ago', async () => {
    const yesterdays = await insert(new Date(addDays(today, -1).getTime() + 12 * 3600_000));
    const todays = await insert(new Date(today.getTime() + 60_000));

    // Retention 1 day, a day from now: yesterday's callbacks are all over a day old, today's not all.
    const report = await retention(1).runMaintenance(new Date(now.getTime() + DAY));
    expect(report.dropped).toEqual([partitionName(addDays(today, -1))]);
    expect(report.dropMs).toBeGreaterThanOrEqual(0);
    expect(report.dropMs).toBeLessThanOrEqual(report.durationMs);
    expect(await exists(yesterdays)).toBe(false);
    expect(await exists(todays)).toBe(true);
  });

  it('should delete the default partition’s callbacks (times outside every partition) a retention after their receipt', async () => {
    const longAgo = new Date(now.getTime() - 40 * DAY);
    const expired = [
      await insert(new Date('1970-01-01T00:00:00Z'), longAgo),
      await insert(null, longAgo),
      await insert(new Date('2099-06-01T00:00:00Z'), longAgo),
    ];
    const kept = [await insert(new Date('1970-01-01T00:00:00Z')), await insert(new Date('2099-06-01T00:00:00Z'))];

    const report = await retention(30).runMaintenance(now);
    expect(report.deletedStrays).toBe(3);
    for (const id of expired) {
      expect(await exists(id)).toBe(false);
    }
    for (const id of kept) {
      expect(await exists(id)).toBe(true);
    }
  });

  it('should move callbacks of a day ahead from the default partition into that day’s partition when it is created', async () => {
    const farAhead = new Date(addDays(today, 20).getTime() + 3600_000);
    const id = await insert(farAhead);
    const [before] = await db.query<Array<{ partition: string }>>(
      `SELECT tableoid::regclass::text AS partition FROM sms_callbacks WHERE id = $1`,
      [id],
    );
    expect(before.partition).toBe('sms_callbacks_default');

    const report = await retention(30).runMaintenance(new Date(now.getTime() + 15 * DAY));
    expect(report.movedRows).toBe(1);
    const [after] = await db.query<Array<{ partition: string }>>(
      `SELECT tableoid::regclass::text AS partition FROM sms_callbacks WHERE id = $1`,
      [id],
    );
    expect(after.partition).toBe(partitionName(addDays(today, 20)));
  });

  it('should keep every callback with retention 0 (forever), however late it runs', async () => {
    const old = await insert(new Date(now.getTime() - 10 * DAY));
    const stray = await insert(new Date('1970-01-01T00:00:00Z'), new Date(now.getTime() - 400 * DAY));
    const report = await retention(0).runMaintenance(new Date(now.getTime() + 400 * DAY));
    expect(report).toMatchObject({ retentionDays: 0, dropped: [], deletedStrays: 0, failures: [] });
    expect(await exists(old)).toBe(true);
    expect(await exists(stray)).toBe(true);
  });

  (onServer ? it : it.skip)('should do nothing while another instance holds the maintenance lock', async () => {
    const other = await schemaDataSource(schema, []);
    try {
      const runner = other.createQueryRunner();
      await runner.connect();
      await runner.query('SELECT pg_advisory_lock(7314226015)');
      try {
        const report = await retention(30).runMaintenance(new Date(now.getTime() + 60 * DAY));
        expect(report).toMatchObject({ ran: false, created: [], dropped: [] });
      } finally {
        await runner.query('SELECT pg_advisory_unlock(7314226015)');
        await runner.release();
      }
    } finally {
      await other.destroy();
    }
  });

  (onServer ? it : it.skip)(
    'should give up a drop, and say so, rather than wait on a partition another transaction holds',
    async () => {
      // With retention 1, two days from now, yesterday's partition and today's expire.
      const expiring = partitionName(addDays(today, -1));
      const other = await schemaDataSource(schema, []);
      try {
        const runner = other.createQueryRunner();
        await runner.connect();
        await runner.startTransaction();
        await runner.query(`SELECT count(*) FROM "${expiring}"`);
        try {
          const started = Date.now();
          const report = await retention(1).runMaintenance(new Date(now.getTime() + 2 * DAY));
          expect(report.dropped).toEqual([partitionName(today)]);
          expect(report.failures).toEqual([`drop ${expiring}: the table stayed locked (5 attempts)`]);
          // Five attempts of 0.5 s each, a second apart; never a wait on the reader for longer than that.
          expect(Date.now() - started).toBeLessThan(15_000);
        } finally {
          await runner.rollbackTransaction();
          await runner.release();
        }
        expect(await partitionNames()).toContain(expiring);
      } finally {
        await other.destroy();
      }
    },
    30_000,
  );
});
