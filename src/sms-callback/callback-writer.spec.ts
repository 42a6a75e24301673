import type { DataSource } from 'typeorm';
import { CallbackWriter } from './callback-writer';
import type { InsertedSmsCallback, NewSmsCallback, SmsCallbackRepository } from './sms-callback.repository';

function aRow(n: number, enterpriseId = 'ent'): NewSmsCallback {
  return {
    enterpriseId,
    licenseId: 'lic',
    msisdn: '0912345678',
    msisdnNormalized: '84912345678',
    requestId: `req-${n}`,
    sendTime: '2025-05-01 17:15:30',
    sendTimeAt: new Date('2025-05-01T10:15:30Z'),
    responseTimeTelco: null,
    responseTimeTelcoAt: null,
    status: 0,
    referentId: `ref-${n}`,
    retryCount: 0,
    replayKey: Buffer.from(`key-${n}`),
    rawBody: '{}',
  };
}

function stored(row: NewSmsCallback): InsertedSmsCallback {
  const copy: Partial<NewSmsCallback> = { ...row };
  delete copy.rawBody;
  return { ...(copy as Omit<NewSmsCallback, 'rawBody'>), id: `id-${row.requestId}`, receivedAt: new Date() };
}

/** A repository stub over an in-memory table with the unique (enterprise_id, replay_key) of the real one. */
class FakeTable {
  rows = new Map<string, InsertedSmsCallback>();
  inserts: NewSmsCallback[][] = [];
  reads = 0;
  failNext?: Error;
  concurrent = 0;
  maxConcurrent = 0;

  readonly repository = {
    insertManyUnlessReplay: async (rows: NewSmsCallback[]) => {
      this.inserts.push(rows);
      this.concurrent++;
      this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
      await new Promise((resolve) => setTimeout(resolve, 5));
      this.concurrent--;
      if (this.failNext) {
        const error = this.failNext;
        this.failNext = undefined;
        throw error;
      }
      if (rows.some((row) => row.requestId === 'poison')) {
        throw new Error('value too long for type character varying(255)');
      }
      const inserted: InsertedSmsCallback[] = [];
      for (const row of rows) {
        const key = `${row.enterpriseId}/${row.replayKey.toString()}`;
        if (!this.rows.has(key)) {
          this.rows.set(key, stored(row));
          inserted.push(stored(row));
        }
      }
      return inserted;
    },
    findByReplayKeys: async (keys: Array<{ enterpriseId: string; replayKey: Buffer }>) => {
      this.reads++;
      return keys
        .map((key) => this.rows.get(`${key.enterpriseId}/${key.replayKey.toString()}`))
        .filter((row): row is InsertedSmsCallback => row !== undefined);
    },
  };
}

const dataSourceWithPool = (poolSize: number) => ({ options: { poolSize } }) as unknown as DataSource;

describe('CallbackWriter (group commit)', () => {
  it('should write callbacks that arrive together in one INSERT, each answered as new', async () => {
    const table = new FakeTable();
    const writer = new CallbackWriter(table.repository as unknown as SmsCallbackRepository, dataSourceWithPool(10));
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => writer.write(aRow(n))));
    expect(table.inserts).toHaveLength(1);
    expect(table.inserts[0]).toHaveLength(5);
    expect(results.map((r) => [r.callback.requestId, r.replayed])).toEqual([
      ['req-1', false],
      ['req-2', false],
      ['req-3', false],
      ['req-4', false],
      ['req-5', false],
    ]);
  });

  it("should write a request's group whole, in one statement, never split over two (a batch of 600)", async () => {
    const table = new FakeTable();
    const writer = new CallbackWriter(table.repository as unknown as SmsCallbackRepository, dataSourceWithPool(2));
    const group = Array.from({ length: 600 }, (_, n) => aRow(1_000 + n));
    const [single, results, after] = await Promise.all([
      writer.write(aRow(1)),
      writer.writeAll(group),
      writer.write(aRow(2)),
    ]);
    expect(table.inserts.map((rows) => rows.length)).toEqual([1, 600, 1]);
    expect(results.map((r) => r.callback.requestId)).toEqual(group.map((row) => row.requestId));
    expect([single.replayed, after.replayed, results.some((r) => r.replayed)]).toEqual([false, false, false]);
  });

  it("should fail a request's whole group when its statement fails, and the groups of others with it only when the database is down", async () => {
    const table = new FakeTable();
    const writer = new CallbackWriter(table.repository as unknown as SmsCallbackRepository, dataSourceWithPool(10));
    const poisoned = [aRow(1), { ...aRow(2), requestId: 'poison' }, aRow(3)];
    const [bad, good] = await Promise.allSettled([writer.writeAll(poisoned), writer.writeAll([aRow(4), aRow(5)])]);
    expect(bad.status).toBe('rejected');
    expect(good.status).toBe('fulfilled');
    expect([...table.rows.values()].map((row) => row.requestId).sort()).toEqual(['req-4', 'req-5']);
  });

  it('should answer a repeat within one batch as a replay of the first', async () => {
    const table = new FakeTable();
    const writer = new CallbackWriter(table.repository as unknown as SmsCallbackRepository, dataSourceWithPool(10));
    const results = await Promise.all([writer.write(aRow(1)), writer.write(aRow(1)), writer.write(aRow(1))]);
    expect(results.map((r) => r.replayed)).toEqual([false, true, true]);
    expect(new Set(results.map((r) => r.callback.id)).size).toBe(1);
    expect(table.rows.size).toBe(1);
  });

  it('should read replays of stored callbacks back in one query per batch', async () => {
    const table = new FakeTable();
    const writer = new CallbackWriter(table.repository as unknown as SmsCallbackRepository, dataSourceWithPool(10));
    await Promise.all([writer.write(aRow(1)), writer.write(aRow(2))]);
    const again = await Promise.all([writer.write(aRow(1)), writer.write(aRow(2)), writer.write(aRow(3))]);
    expect(again.map((r) => r.replayed)).toEqual([true, true, false]);
    expect(table.reads).toBe(1);
  });

  it('should keep per-enterprise keys apart', async () => {
    const table = new FakeTable();
    const writer = new CallbackWriter(table.repository as unknown as SmsCallbackRepository, dataSourceWithPool(10));
    const results = await Promise.all([writer.write(aRow(1, 'a')), writer.write(aRow(1, 'b'))]);
    expect(results.map((r) => r.replayed)).toEqual([false, false]);
  });

  it('should fail every request of a batch when the database is unreachable, storing nothing', async () => {
    const table = new FakeTable();
    table.failNext = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const writer = new CallbackWriter(table.repository as unknown as SmsCallbackRepository, dataSourceWithPool(10));
    const results = await Promise.allSettled([writer.write(aRow(1)), writer.write(aRow(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(table.rows.size).toBe(0);
  });

  it('should retry row by row after another error, so that one bad row fails only itself', async () => {
    const table = new FakeTable();
    const writer = new CallbackWriter(table.repository as unknown as SmsCallbackRepository, dataSourceWithPool(10));
    const poison = { ...aRow(9), requestId: 'poison' };
    const results = await Promise.allSettled([writer.write(aRow(1)), writer.write(poison), writer.write(aRow(2))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(table.rows.size).toBe(2);
  });

  it('should keep at most pool size - 1 batches in flight, batching the rest', async () => {
    const table = new FakeTable();
    const writer = new CallbackWriter(table.repository as unknown as SmsCallbackRepository, dataSourceWithPool(3));
    const writes: Array<Promise<unknown>> = [];
    for (let n = 0; n < 50; n++) {
      writes.push(writer.write(aRow(n)));
      if (n % 10 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await Promise.all(writes);
    expect(table.maxConcurrent).toBeLessThanOrEqual(2);
    expect(table.rows.size).toBe(50);
    expect(table.inserts.length).toBeLessThan(50);
  });
});
