import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { EmbeddedDatabase } from '../src/database/embedded-database';
import { aCallback, CALLBACK_PATH } from './factories';
import { embeddedEnv, runTs, ServiceProcess } from './support/processes';

/**
 * The embedded PostgreSQL as a user meets it: the service and the license CLI as real processes on one
 * data directory. (PGlite loads parts of itself with dynamic imports, which Jest's module sandbox
 * cannot run, hence processes rather than in-test instances.)
 */
// Each test starts up to four processes (service, CLI, a second service, a restart) that compile the sources
// on the fly: on a shared 2-core machine at a load average of 11-16, a test took over the suite's 60 s.
jest.setTimeout(180_000);

describe('the embedded PostgreSQL', () => {
  let dir: string;
  let dataDir: string;
  const services: ServiceProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pglite-'));
    dataDir = join(dir, 'db');
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  const startService = async () => {
    const service = await ServiceProcess.start(embeddedEnv(dataDir));
    services.push(service);
    return service;
  };

  it('should serve a key issued by the CLI while it runs, keep the data across a restart, and refuse a second service', async () => {
    const service = await startService();
    expect(existsSync(`${dataDir}.lock`)).toBe(true);

    // The CLI goes through the running service's socket instead of opening the files.
    const issued = await runTs(
      'src/license/cli/license.cli.ts',
      ['issue', '--enterprise', 'e2e', '--json'],
      embeddedEnv(dataDir),
    );
    expect(issued.code).toBe(0);
    const { apiKey } = JSON.parse(issued.stdout);
    const body = aCallback();
    await request(service.url).post(CALLBACK_PATH).set('API-KEY', apiKey).send(body).expect(201);

    const second = await runTs('src/main.ts', [], embeddedEnv(dataDir, { PORT: '0' }));
    expect(second.code).not.toBe(0);
    expect(second.stdout + second.stderr).toMatch(/in use by process \d+/);

    // A graceful stop closes the database and releases the directory.
    expect([0, 'SIGTERM']).toContain(await service.stop('SIGTERM'));
    expect(existsSync(`${dataDir}.lock`)).toBe(false);

    const restarted = await startService();
    await request(restarted.url).post(CALLBACK_PATH).set('API-KEY', apiKey).send(body).expect(200);
    const list = await request(restarted.url).get(CALLBACK_PATH).set('API-KEY', apiKey).expect(200);
    expect(list.body.total_record).toBe(1);
  });

  it('should take over the directory after a crash (SIGKILL) with the committed rows kept', async () => {
    const service = await startService();
    const { apiKey } = JSON.parse(
      (await runTs('src/license/cli/license.cli.ts', ['issue', '--enterprise', 'e2e', '--json'], embeddedEnv(dataDir)))
        .stdout,
    );
    await request(service.url).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
    await service.stop('SIGKILL');
    expect(existsSync(`${dataDir}.lock`)).toBe(true);

    const restarted = await startService();
    const list = await request(restarted.url).get(CALLBACK_PATH).set('API-KEY', apiKey).expect(200);
    expect(list.body.total_record).toBe(1);
  });

  it('should let the CLI open the directory itself when no service runs', async () => {
    const issued = await runTs(
      'src/license/cli/license.cli.ts',
      ['issue', '--enterprise', 'solo', '--json'],
      embeddedEnv(dataDir),
    );
    expect(issued.code).toBe(0);
    const listed = await runTs('src/license/cli/license.cli.ts', ['list', '--json'], embeddedEnv(dataDir));
    expect(JSON.parse(listed.stdout).map((l: { id: string }) => l.id)).toEqual([JSON.parse(issued.stdout).id]);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  describe('its lock', () => {
    it('should refuse a directory that a live process has open, naming that process', async () => {
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      try {
        writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: sleeper.pid, port: 1 }));
        await expect(EmbeddedDatabase.start({ dataDir })).rejects.toThrow(`in use by process ${sleeper.pid}`);
      } finally {
        sleeper.kill();
      }
    });

    it("should attach to the live process's socket when asked to, leaving its lock alone", async () => {
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      try {
        writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: sleeper.pid, port: 54329 }));
        const attached = await EmbeddedDatabase.start({ dataDir, attachIfRunning: true });
        expect(attached.owned).toBe(false);
        expect(attached.url).toContain(':54329/');
        await attached.stop();
        expect(existsSync(`${dataDir}.lock`)).toBe(true);
      } finally {
        sleeper.kill();
      }
    });
  });
});
