import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { EmbeddedDatabase } from '../../../src/database/embedded-database';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { eventually } from '../../support/admin-api';
import { embeddedEnv, runTs, ServiceProcess } from '../../support/processes';

/**
 * The embedded PostgreSQL as a user meets it: the service and the license CLI as real processes on one
 * data directory. (PGlite loads parts of itself with dynamic imports, which Jest's module sandbox
 * cannot run, hence processes rather than in-test instances.)
 */
// Each test starts up to four processes (service, CLI, a second service, a restart) that compile the sources
// on the fly: on a shared 2-core machine at a load average of 11-16, a test took over the suite's 60 s.
jest.setTimeout(180_000);

describe('the embedded PostgreSQL', () => {
  // Real processes (the service, the CLI) starting under a shared machine's load: minutes, not seconds.
  jest.setTimeout(180_000);

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
      'src/cli/license/license.cli.ts',
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

  it('should serve the database on a socket only its own user can reach, and on no TCP port', async () => {
    // Let other users walk to the directories, so that what stops them is the service's own protection.
    chmodSync(dir, 0o755);
    const service = await startService();
    const lock = JSON.parse(readFileSync(`${dataDir}.lock`, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(lock).sort()).toEqual(['pid', 'socketDir']);
    expect(statSync(`${dataDir}.lock`).mode & 0o077).toBe(0);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(lock.socketDir as string).mode & 0o777).toBe(0o700);
    expect(listeningTcpPorts(service.child.pid!)).toEqual([Number(new URL(service.url).port)]);

    if (process.getuid?.() === 0) {
      // As another local user (nobody): neither the socket nor the files.
      const probe = spawnSync(
        process.execPath,
        ['-e', NOBODY_PROBE, `${lock.socketDir as string}/.s.PGSQL.5432`, dataDir],
        {
          uid: 65534,
          gid: 65534,
          encoding: 'utf8',
        },
      );
      expect(probe.stdout).toBe('connect EACCES, read EACCES');
    }
  });

  it('should refuse, within a second, a key whose license the CLI suspends while the service runs', async () => {
    const service = await startService();
    const issued = await runTs(
      'src/cli/license/license.cli.ts',
      ['issue', '--enterprise', 'e2e', '--json'],
      embeddedEnv(dataDir),
    );
    const { apiKey, id } = JSON.parse(issued.stdout);
    await request(service.url).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
    // A license the CLI suspends is refused by the running service within a second (the service checks the
    // embedded database for changes every 500 ms: LISTEN cannot reach it there), and works again once resumed.
    const suspended = await runTs('src/cli/license/license.cli.ts', ['suspend', id], embeddedEnv(dataDir));
    expect(suspended.code).toBe(0);
    const refusal = await eventually(
      () => request(service.url).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()),
      (res) => res.status === 403,
      5_000,
      25,
    );
    expect(refusal.value.status).toBe(403);
    expect(refusal.elapsedMs).toBeLessThan(1_000);
  });

  it('should take over the directory after a crash (SIGKILL) with the committed rows kept', async () => {
    const service = await startService();
    const { apiKey } = JSON.parse(
      (await runTs('src/cli/license/license.cli.ts', ['issue', '--enterprise', 'e2e', '--json'], embeddedEnv(dataDir)))
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
      'src/cli/license/license.cli.ts',
      ['issue', '--enterprise', 'solo', '--json'],
      embeddedEnv(dataDir),
    );
    expect(issued.code).toBe(0);
    const listed = await runTs('src/cli/license/license.cli.ts', ['list', '--json'], embeddedEnv(dataDir));
    expect(JSON.parse(listed.stdout).map((l: { id: string }) => l.id)).toEqual([JSON.parse(issued.stdout).id]);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });

  describe('its lock', () => {
    it('should refuse a directory that a live process has open, naming that process', async () => {
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      try {
        writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: sleeper.pid, socketDir: '/nonexistent' }));
        await expect(EmbeddedDatabase.start({ dataDir })).rejects.toThrow(`in use by process ${sleeper.pid}`);
      } finally {
        sleeper.kill();
      }
    });

    it("should attach to the live process's socket when asked to, leaving its lock alone", async () => {
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      try {
        writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: sleeper.pid, socketDir: '/run/elsewhere' }));
        const attached = await EmbeddedDatabase.start({ dataDir, attachIfRunning: true });
        expect(attached.owned).toBe(false);
        expect(attached.url).toBe('postgresql://postgres@/postgres?host=%2Frun%2Felsewhere');
        await attached.stop();
        expect(existsSync(`${dataDir}.lock`)).toBe(true);
      } finally {
        sleeper.kill();
      }
    });
  });
});

/** Run as another user: tries the socket and the data directory, prints what each gave. */
const NOBODY_PROBE = `
const [socketPath, dataDir] = process.argv.slice(1);
const socket = require('node:net').connect(socketPath);
const read = () => { try { require('node:fs').readdirSync(dataDir); return 'read OK'; } catch (e) { return 'read ' + e.code; } };
socket.on('connect', () => { process.stdout.write('connect OK, ' + read()); socket.destroy(); });
socket.on('error', (e) => process.stdout.write('connect ' + e.code + ', ' + read()));
`;

/** The TCP ports a process listens on (Linux: its socket inodes matched against /proc/net/tcp and tcp6). */
function listeningTcpPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) {
        inodes.add(inode);
      }
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length > 9 && columns[3] === '0A' && inodes.has(columns[9])) {
        ports.add(parseInt(columns[1].split(':').pop()!, 16));
      }
    }
  }
  return [...ports];
}
