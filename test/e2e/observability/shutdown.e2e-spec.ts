import request from 'supertest';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { formatProof, Outcome, proofOf, runLoad, storedCounts } from '../../support/callback-load';
import { ServiceProcess } from '../../support/processes';
import { SlowCallback } from '../../support/slow-callback';
import { createTestApp, TestApp } from '../../support/test-app';

const SHUTDOWN_TIMEOUT_MS = 3_000;

describe('graceful shutdown on SIGTERM under load', () => {
  let t: TestApp;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await service?.stop('SIGKILL');
    await t.close();
  });

  it('should finish the requests in flight, refuse new ones with 503, close, and lose no acknowledged callback', async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => t.issueKey()));
    service = await ServiceProcess.start({
      ...process.env,
      NODE_ENV: 'test',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      LICENSE_RATE_LIMIT_PER_SECOND: '0',
      AUTH_FAILURE_LIMIT: '0',
    });
    const { url } = service;
    const port = Number(new URL(url).port);
    await request(url).get('/health/ready').expect(200);

    let exited = false;
    const exit = new Promise<number | NodeJS.Signals | null>((resolve) =>
      service!.child.once('exit', (code, signal) => {
        exited = true;
        resolve(code ?? signal);
      }),
    );
    const load = runLoad({
      baseUrl: url,
      apiKeys: keys.slice(0, 4).map((key) => key.apiKey),
      running: () => !exited,
      maxCallbacks: 20_000,
      requestTimeoutMs: 10_000,
      backoffMs: 50,
    });

    // In flight when SIGTERM arrives: two that will finish in time, one that never will.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const finishing = [
      new SlowCallback(port, keys[4].apiKey, aCallback()),
      new SlowCallback(port, keys[4].apiKey, aCallback()),
    ];
    const stuck = new SlowCallback(port, keys[5].apiKey, aCallback());
    await new Promise((resolve) => setTimeout(resolve, 300));

    const sigtermAt = Date.now();
    service.child.kill('SIGTERM');
    const readiness: number[] = [];
    const probe = (async () => {
      while (!exited) {
        const res = await fetch(`${url}/health/ready`).catch(() => undefined);
        if (res) {
          readiness.push(res.status);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    finishing.forEach((slow) => slow.finish());

    const code = await exit;
    const shutdownMs = Date.now() - sigtermAt;
    const outcomes: Outcome[] = await load;
    await probe;
    const finishingStatuses = await Promise.all(finishing.map((slow) => slow.answered));
    const stuckStatus = await stuck.answered;

    const all: Outcome[] = [
      ...outcomes,
      ...finishing.map((slow, i) => ({ body: slow.body, status: finishingStatuses[i], startedAt: 0, latencyMs: 0 })),
      { body: stuck.body, status: stuckStatus, error: stuckStatus ? undefined : 'closed', startedAt: 0, latencyMs: 0 },
    ];
    const proof = proofOf(
      all,
      await storedCounts(
        t.dataSource,
        keys.map((key) => key.enterpriseId),
      ),
    );
    const afterSigterm = outcomes.filter((outcome) => outcome.startedAt >= sigtermAt);
    process.stdout.write(
      formatProof('shutdown (SIGTERM under load)', proof) +
        `  exit ${String(code)} ${shutdownMs} ms after SIGTERM; in flight at SIGTERM and finished after it: ` +
        `${finishingStatuses.join(', ')}; stuck past SHUTDOWN_TIMEOUT_MS: ${stuckStatus ?? 'connection closed'}; ` +
        `readiness after SIGTERM: ${[...new Set(readiness)].join(', ')}; sent after SIGTERM: ${afterSigterm.length} ` +
        `(503: ${afterSigterm.filter((o) => o.status === 503).length}, ` +
        `no answer: ${afterSigterm.filter((o) => o.status === undefined).length})\n`,
    );

    expect([0, 'SIGTERM']).toContain(code);
    // The stuck request holds the drain for SHUTDOWN_TIMEOUT_MS, not longer.
    expect(shutdownMs).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 100);
    expect(shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 5_000);
    expect(finishingStatuses).toEqual([201, 201]);
    expect(stuckStatus).toBeUndefined();
    expect(readiness).toContain(503);
    expect(proof.acknowledged).toBeGreaterThan(0);
    expect(proof.lost).toBe(0);
    expect(proof.duplicates).toBe(0);
    expect(proof.stored).toBe(proof.acknowledged);
    expect(proof.otherStatuses).toEqual({});
    // Before SIGTERM every request was answered; after it, 503 or (once closed) no connection.
    expect(outcomes.filter((o) => o.startedAt < sigtermAt - 50 && o.status === undefined)).toEqual([]);
    expect(afterSigterm.filter((o) => o.status !== undefined && o.status !== 503 && o.status >= 300)).toEqual([]);

    const log = service.output();
    expect(log).toContain('SIGTERM received');
    expect(log).toMatch(/Shut down: server closed, database pool and embedded database closed/);
    for (const key of keys) {
      expect(log).not.toContain(key.apiKey);
    }
    const accessLine = log
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.status === 201);
    expect(accessLine).toMatchObject({
      reqId: expect.any(String),
      licenseId: expect.any(String),
      route: CALLBACK_PATH,
    });
  });
});
