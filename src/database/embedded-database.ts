import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** What the lock file beside the data directory says about the process that has it open. */
interface LockInfo {
  pid: number;
  port?: number;
}

export interface EmbeddedDatabaseOptions {
  /** Where PGlite keeps its files. */
  dataDir: string;
  /**
   * When another live process already has `dataDir` open, connect through its socket server instead
   * of failing (the license CLI does this while the service runs). The service itself never attaches.
   */
  attachIfRunning?: boolean;
}

/**
 * The embedded PostgreSQL: PGlite (a real Postgres engine compiled to WASM) persisted in a directory and
 * served on 127.0.0.1 through its socket server, so TypeORM uses its ordinary `postgres` driver.
 * A lock file (`<dataDir>.lock`) keeps a second process from opening the same directory.
 */
export class EmbeddedDatabase {
  private constructor(
    readonly url: string,
    /** False when this process attached to another process's instance. */
    readonly owned: boolean,
    private readonly lockPath: string,
    private readonly db?: { close(): Promise<void> },
    private readonly server?: { stop(): Promise<void> },
  ) {}

  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    const dataDir = resolve(options.dataDir);
    const lockPath = `${dataDir}.lock`;
    mkdirSync(dirname(dataDir), { recursive: true });

    const holder = acquireLock(lockPath);
    if (holder) {
      if (options.attachIfRunning && holder.port) {
        return new EmbeddedDatabase(urlFor(holder.port), false, lockPath);
      }
      throw new Error(
        `The embedded database directory ${dataDir} is in use by process ${holder.pid}. ` +
          'Stop that process, set EMBEDDED_DB_DIR to another directory, or set DATABASE_URL.',
      );
    }

    try {
      // Loaded here, not at the top: a service on a PostgreSQL server never pays for the embedded engine.
      const { PGlite } = await import('@electric-sql/pglite');
      const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
      const db = await PGlite.create({ dataDir });
      // PGlite runs one backend: the socket server multiplexes connections onto it. Keep the pool
      // small (DB_POOL_SIZE is forced to 1 for the embedded database).
      const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
      await server.start();
      const port = (server as unknown as { port: number }).port;
      writeFileSync(lockPath, JSON.stringify({ pid: process.pid, port } satisfies LockInfo));
      return new EmbeddedDatabase(urlFor(port), true, lockPath, db, server);
    } catch (err) {
      rmSync(lockPath, { force: true });
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (!this.owned) {
      return;
    }
    await this.server?.stop();
    await this.db?.close();
    rmSync(this.lockPath, { force: true });
  }
}

function urlFor(port: number): string {
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
}

/** Takes the lock, or returns who holds it. A lock left by a dead process is taken over. */
function acquireLock(lockPath: string): LockInfo | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeFileSync(fd, JSON.stringify({ pid: process.pid } satisfies LockInfo));
      closeSync(fd);
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw err;
      }
    }
    const holder = readLock(lockPath);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
      return holder;
    }
    rmSync(lockPath, { force: true });
  }
  throw new Error(`Could not take the embedded database lock ${lockPath}`);
}

function readLock(lockPath: string): LockInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(lockPath, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
