import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { embeddedEnv, runTs, ServiceProcess } from '../../support/processes';
import { SlowCallback } from '../../support/slow-callback';
import { REDIS_URL, redisIsUp } from '../../support/redis';
import { createTestApp, TestApp } from '../../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pids of the workers that logged "Listening on", in order (a restarted worker adds its own). */
function listeningPids(output: string): number[] {
  const pids: number[] = [];
  for (const line of output.split('\n')) {
    if (line.includes('Listening on')) {
      const pid = /"pid":(\d+)/.exec(line)?.[1];
      if (pid) {
        pids.push(Number(pid));
      }
    }
  }
  return pids;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}`);
    }
    await sleep(200);
  }
}

/**
 * A request on a connection of its own (so that node:cluster hands it to the next worker): its status and body.
 * (fetch would keep its connection: one worker would answer all.)
 */
function send(url: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      { method, agent: false, headers: { ...headers, Connection: 'close' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const post = (url: string, apiKey: string, body: unknown = aCallback()) =>
  send(url, 'POST', CALLBACK_PATH, { 'API-KEY': apiKey, 'Content-Type': 'application/json' }, body);

const metricValue = (exposition: string, name: string) =>
  Number(new RegExp(`^${name} (\\d+)`, 'm').exec(exposition)?.[1] ?? NaN);

describe('multi-process mode (WEB_CONCURRENCY)', () => {
  let t: TestApp;
  let service: ServiceProcess | undefined;
  let redis = false;
  const prefix = `sms-callback-test:${randomUUID()}:`;

  beforeAll(async () => {
    t = await createTestApp();
    redis = await redisIsUp();
    service = await ServiceProcess.start(
      {
        ...process.env,
        NODE_ENV: 'test',
        WEB_CONCURRENCY: '2',
        SHUTDOWN_TIMEOUT_MS: '5000',
        AUTH_FAILURE_LIMIT: '0',
        LOG_FORMAT: 'json',
        ...(redis ? { REDIS_URL, REDIS_KEY_PREFIX: prefix } : { REDIS_URL: '' }),
      },
      120_000,
    );
    await until('both workers listening', () => listeningPids(service!.output()).length >= 2, 120_000);
  }, 180_000);
  afterAll(async () => {
    if (service?.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
    }
    await t.close();
  });

  it('should serve from both workers and answer /metrics summed over them', async () => {
    const { apiKey, licenseId: apiKeyLicense } = await t.issueKey();
    const before = metricValue((await send(service!.url, 'GET', '/metrics')).text, 'sms_callbacks_stored_total');
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () => post(service!.url, apiKey).then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(10).fill(201));

    // The access lines (with the pid of the worker that answered) are written after the answers.
    const answeredBy = () =>
      new Set(
        service!
          .output()
          .split('\n')
          .filter((line) => line.includes(`"route":"${CALLBACK_PATH}"`) && line.includes(apiKeyLicense))
          .map((line) => /"pid":(\d+)/.exec(line)?.[1]),
      );
    await until('the access lines', () => answeredBy().size >= 2, 15_000);
    expect(answeredBy().size).toBe(2);
    // Whichever worker answers the scrape, the count is the cluster's.
    for (let i = 0; i < 4; i++) {
      const res = await send(service!.url, 'GET', '/metrics');
      expect(res.status).toBe(200);
      expect(metricValue(res.text, 'sms_callbacks_stored_total') - before).toBe(10);
    }
  });

  it('should share the per-license rate limit between the workers (Redis)', async () => {
    if (!redis) {
      process.stdout.write(`Redis is not reachable at ${REDIS_URL}: the shared-limit test is skipped.\n`);
      return;
    }
    const { apiKey } = await t.issueKey({ rateLimitPerSecond: 3 });
    await sleep(1_000 - (Date.now() % 1_000));
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => post(service!.url, apiKey).then((r) => r.status)),
    );
    // Counted per worker, two workers would let up to 6 through.
    expect(statuses.filter((status) => status === 201)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(5);
  });

  it('should start another worker when one dies, and keep serving meanwhile', async () => {
    const { apiKey } = await t.issueKey();
    const [victim] = listeningPids(service!.output());
    process.kill(victim, 'SIGKILL');
    // The other worker serves at once (a connection handed to the dying worker before the primary knew is
    // lost: the vendor sends again, as it would).
    let served: { status: number } | undefined;
    for (let attempt = 0; attempt < 3 && served === undefined; attempt++) {
      served = await post(service!.url, apiKey).catch(() => undefined);
    }
    expect(served?.status).toBe(201);
    await until('a new worker', () => listeningPids(service!.output()).length >= 3, 150_000);
    expect(service!.output()).toMatch(new RegExp(`Worker ${victim} ended \\(SIGKILL\\)`));
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () => post(service!.url, apiKey).then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(6).fill(201));
  }, 180_000);

  it('should drain every worker on SIGTERM to the primary: a request in flight is answered, then it exits 0', async () => {
    const { apiKey, enterpriseId } = await t.issueKey();
    const slow = new SlowCallback(Number(new URL(service!.url).port), apiKey, aCallback());
    await sleep(300);
    const exit = new Promise<number | string | null>((resolve) =>
      service!.child.once('exit', (code, signal) => resolve(code ?? signal)),
    );
    service!.child.kill('SIGTERM');
    await sleep(500);
    slow.finish();
    expect(await slow.answered).toBe(201);
    expect(await exit).toBe(0);
    const rows = await t.dataSource.query<Array<{ n: string }>>(
      'SELECT count(*) AS n FROM sms_callbacks WHERE enterprise_id = $1',
      [enterpriseId],
    );
    expect(Number(rows[0].n)).toBe(1);
    expect(service!.output()).toMatch(/SIGTERM received: stopping 2 worker\(s\)/);
  }, 60_000);
});

describe('WEB_CONCURRENCY with the embedded database', () => {
  it('should refuse to start with more than one process and no DATABASE_URL, saying why', async () => {
    const { code, stdout, stderr } = await runTs(
      'src/main.ts',
      [],
      embeddedEnv('/nonexistent', { WEB_CONCURRENCY: '2' }),
    );
    expect(code).toBe(1);
    const output = stdout + stderr;
    expect(output).toMatch(/WEB_CONCURRENCY=2 \(2 processes\) needs DATABASE_URL/);
    expect(output).not.toMatch(/Listening on/);
  });

  it('should refuse a WEB_CONCURRENCY that is not a number or auto', async () => {
    const { code, stdout, stderr } = await runTs(
      'src/main.ts',
      [],
      embeddedEnv('/nonexistent', { WEB_CONCURRENCY: 'many' }),
    );
    expect(code).toBe(1);
    expect(stdout + stderr).toMatch(/WEB_CONCURRENCY must be a number of processes from 1 to 999, or auto/);
  });
});
