import { Writable } from 'node:stream';
import request from 'supertest';
import { aCallback, CALLBACK_PATH } from './factories';
import { BROKER_URL, describeWithBroker, TestConsumer, uniqueName } from './support/broker';
import { TcpProxy } from './tcp-proxy';
import { createTestApp, TestApp } from './test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function outboxRowsOf(t: TestApp, callbackIds: string[]): Promise<number> {
  const [{ count }] = await t.dataSource.query<Array<{ count: number }>>(
    'SELECT count(*)::int AS count FROM sms_callback_outbox WHERE callback_id = ANY($1::uuid[])',
    [callbackIds],
  );
  return count;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) {
      return value;
    }
    await sleep(200);
  }
}

const metricOf = (text: string, name: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

describe('the stream to the broker, off (BROKER_URL unset)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { BROKER_URL: undefined } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should write no outbox row and report no broker', async () => {
    const { apiKey } = await t.issueKey();
    const created = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
    expect(await outboxRowsOf(t, [created.body.data.id])).toBe(0);
    const ready = await request(t.http).get('/health/ready').expect(200);
    expect(ready.body.data.details).not.toHaveProperty('broker');
    const metrics = await request(t.http).get('/metrics').expect(200);
    expect(metrics.text).not.toContain('sms_callback_outbox_backlog');
  });
});

describeWithBroker('the stream to the broker', () => {
  const exchange = uniqueName('exchange');
  let consumer: TestConsumer;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    consumer = await TestConsumer.connect();
    await consumer.subscribe(exchange);
    proxy = await TcpProxy.start(BROKER_URL);
    t = await createTestApp({ env: { BROKER_URL: proxy.urlFor(BROKER_URL), BROKER_EXCHANGE: exchange } });
  });
  afterAll(async () => {
    await proxy.up();
    await t?.close();
    await proxy.down();
    await consumer.close();
  });

  it('should publish one persistent JSON message per new callback, in the contract format, and none for a replay', async () => {
    const { apiKey, enterpriseId, licenseId } = await t.issueKey();
    const body = aCallback();
    const created = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(body).expect(201);
    await consumer.waitFor(() => consumer.of(enterpriseId).length, 1, 5_000);

    const [{ message, body: content }] = consumer.of(enterpriseId);
    expect(message.fields).toMatchObject({ exchange, routingKey: 'sms-callback.stored' });
    expect(message.properties).toMatchObject({
      deliveryMode: 2,
      contentType: 'application/json',
      messageId: created.body.data.id,
    });
    expect(content).toEqual({
      pattern: 'sms-callback.stored',
      data: { ...created.body.data, enterpriseId, licenseId },
    });

    await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(body).expect(200);
    // Longer than the relay's poll interval: a replay's message would have come by now.
    await sleep(2_500);
    expect(consumer.of(enterpriseId)).toHaveLength(1);
    expect(await outboxRowsOf(t, [created.body.data.id])).toBe(0);
  });

  it('should declare a durable, not auto-delete topic exchange with no arguments', async () => {
    // Declaring it again with the same properties succeeds; with other ones the broker refuses (406).
    await expect(
      consumer.channel.assertExchange(exchange, 'topic', { durable: true, autoDelete: false, arguments: {} }),
    ).resolves.toEqual({ exchange });
    const other = await TestConsumer.connect();
    try {
      await expect(other.channel.assertExchange(exchange, 'topic', { durable: false })).rejects.toThrow(
        /PRECONDITION_FAILED/,
      );
    } finally {
      await other.close();
    }
  });

  it('should answer vendors at once while the broker stops confirming (the relay holds no connection while it waits)', async () => {
    const { apiKey, enterpriseId } = await t.issueKey();
    const first = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
    await consumer.waitFor(() => consumer.of(enterpriseId).length, 1, 5_000);
    // The broker now takes the messages but never confirms them: the relay's next batch waits for the
    // publish timeout (10 s). On the embedded database (one connection) a relay that held its connection
    // meanwhile would make every vendor wait too.
    proxy.stall();
    const ids = [first.body.data.id];
    const slowest = { ms: 0 };
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      const sent = Date.now();
      const created = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
      slowest.ms = Math.max(slowest.ms, Date.now() - sent);
      ids.push(created.body.data.id);
      await sleep(300);
    }
    const listed = await request(t.http).get(CALLBACK_PATH).query({ limit: 20 }).set('API-KEY', apiKey).expect(200);
    expect(listed.body.total_record).toBe(ids.length);
    process.stdout.write(
      `stream, broker not confirming: 10 callbacks stored over ${Date.now() - started} ms, slowest answer ${slowest.ms} ms\n`,
    );
    expect(slowest.ms).toBeLessThan(2_000);

    await proxy.down();
    await proxy.up();
    await consumer.waitFor(
      () => new Set(consumer.of(enterpriseId).map((m) => m.body.data.id)).size,
      ids.length,
      40_000,
    );
    expect(new Set(consumer.of(enterpriseId).map((m) => m.body.data.id))).toEqual(new Set(ids));
    expect(
      await until(
        () => outboxRowsOf(t, ids),
        (rows) => rows === 0,
      ),
    ).toBe(0);
  });

  it('should keep storing while the broker is cut, say so in readiness, and publish the backlog oldest first when it returns', async () => {
    const { apiKey, enterpriseId } = await t.issueKey();
    await proxy.down();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const created = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
      ids.push(created.body.data.id);
    }
    const ready = await until(
      () => request(t.http).get('/health/ready'),
      (res) => res.body.data?.details?.broker?.status === 'down',
    );
    expect(ready.status).toBe(200);
    expect(ready.body.data.status).toBe('ok');
    expect(ready.body.data.error.broker).toMatchObject({ status: 'down', required: false, exchange });
    expect(ready.body.data.error.broker.message).toMatch(/unreachable|not connected/i);
    const metrics = await until(
      () => request(t.http).get('/metrics'),
      (res) => (metricOf(res.text, 'sms_callback_outbox_backlog') ?? 0) >= ids.length,
    );
    expect(metricOf(metrics.text, 'sms_callback_outbox_backlog')).toBeGreaterThanOrEqual(ids.length);
    expect(metricOf(metrics.text, 'sms_callback_outbox_oldest_age_seconds')).toBeGreaterThan(0);
    expect(metricOf(metrics.text, 'sms_callback_stream_broker_up')).toBe(0);
    expect(metricOf(metrics.text, 'sms_callback_stream_failures_total{stage="connect"}')).toBeGreaterThan(0);
    expect(consumer.of(enterpriseId)).toHaveLength(0);
    expect(await outboxRowsOf(t, ids)).toBe(ids.length);

    await proxy.up();
    await consumer.waitFor(() => consumer.of(enterpriseId).length, ids.length, 20_000);
    expect(consumer.of(enterpriseId).map((received) => received.message.properties.messageId)).toEqual(ids);
    expect(
      await until(
        () => outboxRowsOf(t, ids),
        (rows) => rows === 0,
      ),
    ).toBe(0);
    const back = await until(
      () => request(t.http).get('/health/ready'),
      (res) => res.body.data?.details?.broker?.status === 'up',
    );
    expect(back.body.data.info.broker).toMatchObject({ status: 'up', exchange });
    const after = await request(t.http).get('/metrics').expect(200);
    expect(metricOf(after.text, 'sms_callback_stream_published_total')).toBeGreaterThanOrEqual(ids.length + 1);
    expect(metricOf(after.text, 'sms_callback_stream_broker_up')).toBe(1);
  });
});

describeWithBroker('the stream to the broker, when the broker is down at start-up', () => {
  const exchange = uniqueName('exchange');
  let consumer: TestConsumer;
  let proxy: TcpProxy;
  let t: TestApp | undefined;
  let logs = '';
  const logLines = () =>
    logs
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: string; msg: string });

  beforeAll(async () => {
    consumer = await TestConsumer.connect();
    await consumer.subscribe(exchange);
    proxy = await TcpProxy.start(BROKER_URL);
    await proxy.down();
  });
  afterAll(async () => {
    await proxy.up();
    await t?.close();
    await proxy.down();
    await consumer.close();
  });

  it('should start, answer 201, warn of a backlog over the threshold, and publish once the broker is reachable', async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    t = await createTestApp({
      env: { BROKER_URL: proxy.urlFor(BROKER_URL), BROKER_EXCHANGE: exchange, BROKER_BACKLOG_WARN_THRESHOLD: '2' },
      logDestination: destination,
    });
    const { apiKey, enterpriseId } = await t.issueKey();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
      ids.push(created.body.data.id);
    }
    await request(t.http).get('/health/ready').expect(200);
    // The backlog is counted every 5 s.
    const warning = await until(
      async () => logLines().find((line) => /^Outbox backlog over 2: \d+ callbacks wait/.test(line.msg)),
      (line) => line !== undefined,
      8_000,
    );
    expect(warning).toMatchObject({ level: 'warn' });
    expect(logLines().some((line) => /Broker .* unreachable/.test(line.msg))).toBe(true);
    expect(consumer.of(enterpriseId)).toHaveLength(0);

    await proxy.up();
    await consumer.waitFor(() => consumer.of(enterpriseId).length, ids.length, 15_000);
    expect(consumer.of(enterpriseId).map((received) => received.message.properties.messageId)).toEqual(ids);
    expect(logs).not.toContain('guest:guest');
  });
});
