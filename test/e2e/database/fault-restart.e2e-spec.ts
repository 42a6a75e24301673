import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { Agent } from 'node:http';
import { promisify } from 'node:util';
import { formatProof, Outcome, proofOf, runLoad, sendCallback, storedCounts } from '../../support/callback-load';
import { ServiceProcess } from '../../support/processes';
import { createTestApp, TestApp } from '../../support/test-app';

const run = promisify(execFile);

/** Why this machine cannot run the test, or undefined when it can. */
function skipReason(): string | undefined {
  const url = new URL(process.env.DATABASE_URL ?? 'postgresql://none');
  if (!['127.0.0.1', 'localhost'].includes(url.hostname) || (url.port || '5432') !== '5432') {
    return `DATABASE_URL is not this machine's PostgreSQL server on 127.0.0.1:5432 (embedded database?)`;
  }
  if (!existsSync('/etc/postgresql') || readdirSync('/etc/postgresql').length !== 1) {
    return 'no single PostgreSQL cluster under /etc/postgresql to restart';
  }
  if (process.getuid?.() !== 0) {
    return 'restarting PostgreSQL with pg_ctlcluster needs root';
  }
  return undefined;
}

const SKIP = skipReason();
if (SKIP) {
  process.stdout.write(`fault test (PostgreSQL restart) skipped: ${SKIP}\n`);
}

const VERSION = SKIP ? '' : readdirSync('/etc/postgresql')[0];
const pgctl = (action: 'start' | 'stop') =>
  run('pg_ctlcluster', [
    '--skip-systemctl-redirect',
    VERSION,
    'main',
    action,
    ...(action === 'stop' ? ['-m', 'fast'] : []),
  ]);
const pgIsUp = () =>
  run('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432']).then(
    () => true,
    () => false,
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts PostgreSQL again if it is down: after the outage, on failure, in afterAll. */
async function ensurePostgresUp(): Promise<void> {
  if (!(await pgIsUp())) {
    await pgctl('start');
  }
  for (let i = 0; i < 60 && !(await pgIsUp()); i++) {
    await sleep(500);
  }
}

/**
 * The proof that nothing acknowledged is lost: distinct callbacks from several concurrent clients while
 * the machine's PostgreSQL is stopped and started again mid-run. Every 2xx must be in the table exactly
 * once, every other answer a 503 with Retry-After within 5 s (never a 500, never a hang), the service
 * must recover by itself, and a second pass re-sending everything must end with each stored once.
 */
(SKIP ? describe.skip : describe)('a PostgreSQL restart under load', () => {
  let t: TestApp;
  let service: ServiceProcess | undefined;
  let watchdog: ChildProcess | undefined;

  beforeAll(async () => {
    await ensurePostgresUp();
    t = await createTestApp();
  });
  afterAll(async () => {
    await ensurePostgresUp();
    watchdog?.kill();
    await service?.stop('SIGKILL');
    await t?.close();
  });

  it('should lose nothing acknowledged, answer 503 otherwise, recover by itself, and store each callback once', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => t.issueKey()));
    const enterpriseIds = keys.map((key) => key.enterpriseId);
    service = await ServiceProcess.start({
      ...process.env,
      NODE_ENV: 'test',
      LICENSE_RATE_LIMIT_PER_SECOND: '0',
      AUTH_FAILURE_LIMIT: '0',
    });
    const { url } = service;

    const phase = { stopped: 0, started: 0, done: false };
    const readiness: Array<{ at: number; status: number }> = [];
    const probe = (async () => {
      while (!phase.done) {
        const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined);
        readiness.push({ at: Date.now(), status: res?.status ?? 0 });
        await sleep(200);
      }
    })();
    const load = runLoad({
      baseUrl: url,
      apiKeys: keys.map((key) => key.apiKey),
      running: () => !phase.done,
      maxCallbacks: 6_000,
      requestTimeoutMs: 10_000,
      backoffMs: 50,
    });

    // A restart when the database goes away without warning would be SIGKILL; a fast stop cuts every session.
    // If this process died mid-test, a detached watchdog still starts PostgreSQL again.
    watchdog = spawn(
      'sh',
      [
        '-c',
        `sleep 60; pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect ${VERSION} main start`,
      ],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
    try {
      await sleep(2_500);
      phase.stopped = Date.now();
      await pgctl('stop');
      await sleep(3_000);
      phase.started = Date.now();
      await pgctl('start');
    } finally {
      await ensurePostgresUp();
    }
    await sleep(4_000);
    phase.done = true;
    const firstPass: Outcome[] = await load;
    await probe;

    const afterFirst = await storedCounts(t.dataSource, enterpriseIds);
    const proof = proofOf(firstPass, afterFirst);
    const storedThough503 = firstPass.filter(
      (o) => o.status === 503 && (afterFirst.get(String(o.body.referentId)) ?? 0) > 0,
    ).length;
    const recovered = firstPass.filter((o) => o.startedAt > phase.started && o.status === 201).length;
    const redDuringOutage = readiness.filter((r) => r.at > phase.stopped && r.at < phase.started + 500);
    process.stdout.write(
      formatProof('fault (PostgreSQL restart), first pass', proof) +
        `  503 but stored anyway (committed, answer lost): ${storedThough503}; acknowledged after the restart: ` +
        `${recovered}; readiness during the outage: ${[...new Set(redDuringOutage.map((r) => r.status))].join(', ')}, ` +
        `at the end: ${readiness[readiness.length - 1]?.status}\n`,
    );

    expect(proof.acknowledged).toBeGreaterThan(0);
    expect(proof.unavailable503).toBeGreaterThan(0);
    expect(proof.otherStatuses).toEqual({});
    expect(proof.noAnswer).toEqual({});
    expect(proof.maxLatencyMs).toBeLessThan(6_000);
    expect(firstPass.filter((o) => o.status === 503 && (o.retryAfter !== '5' || o.code !== 503))).toEqual([]);
    expect(proof.lost).toBe(0);
    expect(proof.duplicates).toBe(0);
    expect(recovered).toBeGreaterThan(0);
    expect(redDuringOutage.map((r) => r.status)).toContain(503);
    expect(readiness[readiness.length - 1]?.status).toBe(200);

    // Second pass: the vendors send everything again. Acknowledged ones are replays (200); the others are
    // stored now (201), or replays if their 503 came after the commit.
    const agent = new Agent({ keepAlive: true, maxSockets: keys.length });
    const queues: Outcome[][] = keys.map(() => []);
    firstPass.forEach((outcome, i) => queues[i % keys.length].push(outcome));
    const secondPass: Array<{ first: Outcome; second: Outcome }> = [];
    await Promise.all(
      queues.map(async (queue) => {
        for (const first of queue) {
          // Each callback goes back with the key it was first sent with (its enterprise).
          const second = await sendCallback(agent, url, first.apiKey!, first.body, 10_000);
          secondPass.push({ first, second });
        }
      }),
    );
    agent.destroy();
    const final = await storedCounts(t.dataSource, enterpriseIds);
    const finalProof = proofOf(
      secondPass.map((pair) => pair.second),
      final,
    );
    const replayedAcknowledged = secondPass.filter((p) => p.first.status! < 300 && p.second.status === 200).length;
    const newlyStored = secondPass.filter((p) => p.second.status === 201).length;
    process.stdout.write(
      formatProof('fault (PostgreSQL restart), second pass re-sending everything', finalProof) +
        `  acknowledged before and replayed now (200): ${replayedAcknowledged}; stored now (201): ${newlyStored}; ` +
        `rows in the table: ${finalProof.stored} for ${firstPass.length} distinct callbacks\n`,
    );

    expect(secondPass.filter((p) => p.second.status !== 200 && p.second.status !== 201)).toEqual([]);
    expect(replayedAcknowledged).toBe(proof.acknowledged);
    expect(secondPass.filter((p) => p.first.status! < 300 && p.second.status === 201)).toEqual([]);
    expect(final.size).toBe(firstPass.length);
    expect(finalProof.duplicates).toBe(0);
    expect(finalProof.stored).toBe(firstPass.length);
  });
});
