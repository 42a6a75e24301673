import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import request from 'supertest';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { BROKER_URL, describeWithBroker, TestConsumer, uniqueName } from '../../support/broker';
import { createTestApp, TestApp } from '../../support/test-app';

const ROOT = resolve(__dirname, '..', '..', '..');

/** examples/stream-consumer as its own process, as another team runs it; collects the JSON lines it prints. */
class ExampleConsumer {
  readonly lines: Array<Record<string, unknown>> = [];
  private output = '';

  private constructor(readonly child: ChildProcess) {}

  static async start(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ExampleConsumer> {
    const child = spawn(
      process.execPath,
      ['-r', resolve(ROOT, 'scripts/register-ts.js'), resolve(ROOT, 'examples/stream-consumer/main.ts')],
      { cwd: ROOT, env: { ...process.env, ...env } },
    );
    const consumer = new ExampleConsumer(child);
    const onData = (chunk: Buffer) => {
      consumer.output += chunk.toString();
      const lines = consumer.output.split('\n');
      consumer.output = lines.pop() ?? '';
      for (const line of lines) {
        try {
          consumer.lines.push(JSON.parse(line));
        } catch {
          // a log line of Nest's
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const deadline = Date.now() + timeoutMs;
    while (!consumer.lines.some((line) => line.listening)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`The example consumer did not start:\n${consumer.output}`);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
    return consumer;
  }

  received(): Array<{ received: string; messageId: string; callback: Record<string, unknown> }> {
    return this.lines.filter((line) => line.received) as never;
  }

  stop(): Promise<void> {
    return new Promise((done) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        done();
        return;
      }
      this.child.once('exit', () => done());
      this.child.kill('SIGTERM');
    });
  }
}

describeWithBroker('the consumer example (examples/stream-consumer)', () => {
  const exchange = uniqueName('exchange');
  const queue = uniqueName('example-queue');
  let example: ExampleConsumer | undefined;
  let t: TestApp | undefined;

  afterAll(async () => {
    await example?.stop();
    await t?.close();
    // The example's queue is durable (as a real consumer's is): remove it and the exchange.
    const cleaner = await TestConsumer.connect();
    await cleaner.channel.deleteQueue(queue).catch(() => undefined);
    cleaner.forget(exchange);
    await cleaner.close();
  });

  it('should receive, in its own process, every callback the service stores, each as the API returned it', async () => {
    example = await ExampleConsumer.start({ BROKER_URL, BROKER_EXCHANGE: exchange, CONSUMER_QUEUE: queue });
    t = await createTestApp({ env: { BROKER_URL, BROKER_EXCHANGE: exchange } });
    const { apiKey, enterpriseId, licenseId } = await t.issueKey();
    const stored: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 3; i++) {
      const created = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
      stored.push(created.body.data);
    }

    const deadline = Date.now() + 15_000;
    while (example.received().length < stored.length && Date.now() < deadline) {
      await new Promise((done) => setTimeout(done, 100));
    }
    expect(example.received().map((line) => line.callback)).toEqual(
      stored.map((data) => ({ ...data, enterpriseId, licenseId })),
    );
    expect(example.received().map((line) => line.messageId)).toEqual(stored.map((data) => data.id));
  });
});
