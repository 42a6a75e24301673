import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { addDays, utcDay } from '../src/sms-callback/retention/partition-days';
import { SmsCallback } from '../src/sms-callback/sms-callback.entity';
import { SmsCallbackFilter, SmsCallbackRepository } from '../src/sms-callback/sms-callback.repository';
import type { SmsCallbackStats } from '../src/sms-callback/stats/callback-stats';
import { RolledStatsRepository } from '../src/sms-callback/stats/rolled-stats.repository';
import { CallbacksSchema, maintenanceOn, migratedCallbacksSchema } from './support/callbacks-schema';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * The statistics from the hourly rollup against the exact SQL over the callbacks, on a callbacks table of its own
 * (a schema of this test): counts, min and max equal, median and p95 within 1 %, distinct request ids within the
 * sketch's error; over ranges that cross hour and day boundaries, with late arrivals after the rollup ran, replays
 * and retention.
 */
describe('statistics rollup', () => {
  let schema: CallbacksSchema;
  let db: DataSource;
  let licenseId: string;
  let exact: SmsCallbackRepository;
  let rolled: RolledStatsRepository;
  const now = new Date();
  const today = utcDay(now);
  const yesterday = addDays(today, -1);
  const maintain = (at: Date, retentionDays = 30) =>
    maintenanceOn(db, { retentionDays, rollupSettleMs: 0 }).runMaintenance(at);

  let serial = 0;
  /**
   * A callback of `ent` sent at `sentAt` (null: unreadable), `latencyMs` later answered (null: no answer), received at
   * `receivedAt` (in the past, before it was rolled up) or now.
   */
  const insert = async (
    sentAt: Date | null,
    {
      status = 0 as number | null,
      latencyMs = 2_000 as number | null,
      requestId = `req-${serial}`,
      receivedAt = undefined as Date | undefined,
    },
  ): Promise<void> => {
    serial += 1;
    await db.query(
      `INSERT INTO sms_callbacks (enterprise_id, license_id, received_at, msisdn, request_id, send_time, send_time_at,
         response_time_telco_at, status, referent_id, retry_count, replay_key, raw_body)
       VALUES ('ent', $1, coalesce($2, now()), '84912345678', $3, 'x', $4, $5, $6, $7, 0, $8, '{}')`,
      [
        licenseId,
        receivedAt ?? null,
        requestId,
        sentAt,
        sentAt && latencyMs !== null ? new Date(sentAt.getTime() + latencyMs) : null,
        status,
        `ref-${serial}`,
        createHash('sha256').update(`replay-${serial}`).digest(),
      ],
    );
  };

  /** The rollup's answer, which must exist, and the exact one. */
  const both = async (filter: SmsCallbackFilter): Promise<[SmsCallbackStats, SmsCallbackStats]> => {
    const fromRollup = await rolled.stats('ent', filter);
    expect(fromRollup).toBeDefined();
    return [fromRollup!, await exact.stats('ent', filter)];
  };
  const expectSame = async (filter: SmsCallbackFilter): Promise<SmsCallbackStats> => {
    const [fromRollup, exactly] = await both(filter);
    expect(fromRollup.total).toBe(exactly.total);
    expect(fromRollup.byStatus).toEqual(exactly.byStatus);
    expect(fromRollup.latency.count).toBe(exactly.latency.count);
    expect(fromRollup.latency.minMs).toBe(exactly.latency.minMs);
    expect(fromRollup.latency.maxMs).toBe(exactly.latency.maxMs);
    for (const figure of ['medianMs', 'p95Ms'] as const) {
      const want = exactly.latency[figure];
      if (want === null) {
        expect(fromRollup.latency[figure]).toBeNull();
      } else {
        expect(Math.abs(fromRollup.latency[figure]! - want)).toBeLessThanOrEqual(Math.abs(want) * 0.01 + 1);
      }
    }
    expect(Math.abs(fromRollup.distinctRequestIds - exactly.distinctRequestIds)).toBeLessThanOrEqual(
      Math.max(4, exactly.distinctRequestIds * 0.04),
    );
    expect(fromRollup.approximate).toBe(true);
    expect(exactly.total).toBeGreaterThanOrEqual(0);
    return exactly;
  };

  /** Ranges that cross hour and day boundaries, local days of +07:00 among them. */
  const ranges = (): SmsCallbackFilter[] => [
    {},
    { sentFrom: yesterday, sentTo: addDays(today, 1) },
    { sentFrom: new Date(yesterday.getTime() - 7 * HOUR), sentTo: new Date(today.getTime() - 7 * HOUR) },
    { sentFrom: new Date(yesterday.getTime() + 10.5 * HOUR), sentTo: new Date(today.getTime() + 0.25 * HOUR) },
    { sentFrom: new Date(yesterday.getTime() + 3 * HOUR + 1) },
    { sentTo: new Date(now.getTime() - 90 * 60_000) },
    { sentFrom: yesterday, status: 0 },
    { sentFrom: new Date(yesterday.getTime() + 5 * HOUR), sentTo: new Date(yesterday.getTime() + 9 * HOUR), status: 2 },
  ];

  beforeAll(async () => {
    schema = await migratedCallbacksSchema('rollup_test');
    ({ db, licenseId } = schema);
    await db.query(`INSERT INTO licenses (enterprise_id, key_prefix, key_hash) VALUES ('other', 'smscb_y', $1)`, [
      '2'.repeat(64),
    ]);
    exact = new SmsCallbackRepository(db.getRepository(SmsCallback));
    rolled = new RolledStatsRepository(db);
    // Every 7 minutes from yesterday 00:00 UTC to now: two callbacks a request, statuses 0-3 and none, latencies
    // from -2 s to a minute, some unanswered.
    const statuses = [0, 0, 0, 1, 2, 3, null];
    for (let at = yesterday.getTime() + 13_000, i = 0; at < now.getTime() - 60_000; at += 7 * 60_000, i++) {
      await insert(new Date(at), {
        status: statuses[i % statuses.length],
        latencyMs: i % 11 === 0 ? null : ((i * 7919) % 62_000) - 2_000,
        requestId: `req-${Math.floor(i / 2)}`,
        receivedAt: new Date(at + 3_000),
      });
    }
    // Strays (the default partition), read from the callbacks table whatever the rollup.
    await insert(null, { receivedAt: new Date(now.getTime() - HOUR) });
    await insert(new Date('1970-01-01T00:00:00Z'), { receivedAt: new Date(now.getTime() - HOUR) });
  }, 120_000);
  afterAll(async () => {
    await schema?.drop();
  });

  it('should answer from the callbacks table (exactly) until a maintenance run rolled hours up', async () => {
    expect(await rolled.stats('ent', {})).toBeUndefined();
    const stats = await exact.stats('ent', {});
    expect(stats.approximate).toBe(false);
  });

  it('should roll up the whole hours up to the last one and answer as the exact SQL does over any range', async () => {
    const report = await maintain(now);
    expect(report.failures).toEqual([]);
    expect(report.rollup!.hours).toBeGreaterThanOrEqual(24);
    expect(report.rollup!.callbacks).toBeGreaterThan(200);
    for (const filter of ranges()) {
      await expectSame(filter);
    }
    // A filter the rollup does not keep, or a range without a whole rolled-up hour: the exact answer.
    expect(await rolled.stats('ent', { msisdn: '84912345678' })).toBeUndefined();
    expect(
      await rolled.stats('ent', {
        sentFrom: new Date(yesterday.getTime() + 10 * 60_000),
        sentTo: new Date(yesterday.getTime() + 50 * 60_000),
      }),
    ).toBeUndefined();
    // Another enterprise's rollup is its own (none here).
    expect((await rolled.stats('other', {}))!.total).toBe(0);
  });

  it('should count late arrivals (sent in rolled-up hours, received after the run) once, before and after the next run', async () => {
    const before = (await exact.stats('ent', {})).total;
    for (let i = 0; i < 5; i++) {
      await insert(new Date(yesterday.getTime() + (4 + i) * HOUR + 1_000), { status: 1, latencyMs: 500 * i });
    }
    const late = await expectSame({});
    expect(late.total).toBe(before + 5);
    for (const filter of ranges()) {
      await expectSame(filter);
    }
    const report = await maintain(new Date());
    expect(report.rollup!.lateCallbacks).toBe(5);
    expect((await expectSame({})).total).toBe(before + 5);
    for (const filter of ranges()) {
      await expectSame(filter);
    }
    // Nothing new: a run adds nothing twice.
    expect((await maintain(new Date())).rollup!.lateCallbacks).toBe(0);
    expect((await expectSame({})).total).toBe(before + 5);
  });

  it('should not count a replay of a rolled-up callback', async () => {
    const before = await expectSame({});
    const [original] = await db.query<Array<Record<string, unknown>>>(
      `SELECT * FROM sms_callbacks WHERE send_time_at < $1 ORDER BY send_time_at LIMIT 1`,
      [today],
    );
    const inserted = await exact.insertManyUnlessReplay([
      {
        enterpriseId: 'ent',
        licenseId,
        msisdn: '84912345678',
        msisdnNormalized: null,
        requestId: original.request_id as string,
        sendTime: 'x',
        sendTimeAt: original.send_time_at as Date,
        responseTimeTelco: null,
        responseTimeTelcoAt: original.response_time_telco_at as Date | null,
        status: original.status as number | null,
        referentId: original.referent_id as string,
        retryCount: 0,
        replayKey: original.replay_key as Buffer,
        rawBody: '{}',
      },
    ]);
    expect(inserted).toEqual([]);
    await maintain(new Date());
    expect((await expectSame({})).total).toBe(before.total);
  });

  it('should drop the rollup of a day with its partition, and still answer as the exact SQL does', async () => {
    const yesterdays = (await exact.stats('ent', { sentFrom: yesterday, sentTo: today })).total;
    expect(yesterdays).toBeGreaterThan(100);
    const before = (await exact.stats('ent', {})).total;
    const report = await maintain(new Date(now.getTime() + DAY), 1);
    expect(report.dropped).toHaveLength(1);
    const [{ left }] = await db.query<Array<{ left: number }>>(
      `SELECT count(*)::int AS left FROM sms_callback_stats_hourly WHERE hour < $1`,
      [today],
    );
    expect(left).toBe(0);
    expect((await expectSame({})).total).toBe(before - yesterdays);
    await expectSame({ sentFrom: today });
    // A range of the dropped day alone: no rolled-up hour left, the exact answer (nothing).
    expect(await rolled.stats('ent', { sentFrom: yesterday, sentTo: today })).toBeUndefined();
  });
});
