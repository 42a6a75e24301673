import request from 'supertest';
import { CallbackRetentionService } from '../../../src/sms-callback/retention/callback-retention.service';
import { addDays, partitionName, utcDay } from '../../../src/sms-callback/partitions/partition-days';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

const DAY = 86_400_000;

/**
 * Exactly-once storage on the partitioned table, over HTTP: every callback, whatever its sendTime, is stored once,
 * in the partition of its sendTime's day or in the default one, and its replays meet it there, across midnight and
 * across the maintenance run that moves it from the default partition into a new day's.
 */
describe('callbacks in partitions', () => {
  let t: TestApp;
  let key: { apiKey: string; enterpriseId: string };
  const today = utcDay(new Date());

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.issueKey();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (body: object) => request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body);
  const partitionOf = async (id: string) =>
    (
      await t.dataSource.query<Array<{ partition: string }>>(
        `SELECT tableoid::regclass::text AS partition FROM sms_callbacks WHERE id = $1`,
        [id],
      )
    )[0]?.partition;
  const storedWith = async (requestId: string) =>
    (
      await t.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM sms_callbacks WHERE enterprise_id = $1 AND request_id = $2`,
        [key.enterpriseId, requestId],
      )
    )[0].n;
  const maintainAt = (at: Date) => t.app.get(CallbackRetentionService).runMaintenance(at);

  it('should store a callback in the partition of its sendTime’s UTC day', async () => {
    const body = aCallback({ sendTime: `${today.toISOString().slice(0, 10)}T08:00:00Z`, responseTimeTelco: undefined });
    const res = await post(body).expect(201);
    expect(await partitionOf(res.body.data.id)).toBe(partitionName(today));
  });

  it('should recognise a replay sent after midnight of a callback sent and stored just before it', async () => {
    const body = aCallback({
      sendTime: `${addDays(today, -1).toISOString().slice(0, 10)}T23:59:59.999Z`,
      responseTimeTelco: undefined,
    });
    const first = await post(body).expect(201);
    // Midnight passes: the next maintenance run sees a new day.
    await maintainAt(new Date(Date.now() + DAY));
    const replay = await post(body).expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.data.id).toBe(first.body.data.id);
    expect(await storedWith(body.requestId as string)).toBe(1);
  });

  it.each([
    ['a vendor clock in 1970', '1970-01-01 07:00:05'],
    ['a vendor clock in 2099', '2099-12-31 23:59:59'],
  ])(
    'should store a callback from %s once, in the default partition, and answer its replays 200',
    async (_, sendTime) => {
      const body = aCallback({ sendTime, responseTimeTelco: undefined });
      const first = await post(body).expect(201);
      expect(await partitionOf(first.body.data.id)).toBe('sms_callbacks_default');
      const replay = await post(body).expect(200);
      expect(replay.body.data.id).toBe(first.body.data.id);
      const read = await request(t.http)
        .get(`${CALLBACK_PATH}/${first.body.data.id}`)
        .set('API-KEY', key.apiKey)
        .expect(200);
      expect(read.body.data.sendTime).toBe(sendTime);
    },
  );

  it('should still answer 400 for a sendTime that is no time at all, storing nothing', async () => {
    const body = aCallback({ sendTime: 'yesterday-ish' });
    const res = await post(body).expect(400);
    expect(res.body.errors).toHaveProperty('sendTime');
    expect(await storedWith(body.requestId as string)).toBe(0);
  });

  it('should meet a replay of a callback that maintenance moved from the default partition into its new day', async () => {
    const day = addDays(today, 12);
    const body = aCallback({ sendTime: `${day.toISOString().slice(0, 10)}T10:00:00Z`, responseTimeTelco: undefined });
    const first = await post(body).expect(201);
    expect(await partitionOf(first.body.data.id)).toBe('sms_callbacks_default');

    // Eight days on, the partitions reach that day: the row moves in.
    const report = await maintainAt(new Date(Date.now() + 8 * DAY));
    expect(report.created).toContain(day.toISOString().slice(0, 10));
    expect(await partitionOf(first.body.data.id)).toBe(partitionName(day));

    const replay = await post(body).expect(200);
    expect(replay.body.data.id).toBe(first.body.data.id);
    expect(await storedWith(body.requestId as string)).toBe(1);
  });
});
