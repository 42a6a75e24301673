import {
  chmodSync,
  closeSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** What the lock file beside the data directory says about the process that has it open (nothing secret). */
interface LockInfo {
  pid: number;
  /** The directory of the unix socket the process serves the database on. */
  socketDir?: string;
}

/** The name libpq and `pg` give a server's socket in its directory (port 5432). */
const SOCKET_FILE = '.s.PGSQL.5432';
/** A unix socket path must fit in sockaddr_un (108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH = 100;
/** Only the service's own user: PostgreSQL's own rule for its data directory and socket directory. */
const OWNER_ONLY = 0o700;

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
 * served through its socket server, so TypeORM uses its ordinary `postgres` driver.
 *
 * PGlite's server has no authentication, so it listens on no TCP port: it serves a unix socket in a
 * directory only the service's user may enter (`<dataDir>.sock`, or a private directory under the temporary
 * one when that path is too long for a socket), and the data directory is that user's only too. Other
 * local users can neither connect nor read the files; the license CLI, run by the same user, connects
 * through the socket. A lock file (`<dataDir>.lock`, readable by that user only, holding the process id and
 * the socket's directory, no secret) keeps a second process from opening the same directory.
 */
export class EmbeddedDatabase {
  private constructor(
    readonly url: string,
    /** False when this process attached to another process's instance. */
    readonly owned: boolean,
    private readonly lockPath: string,
    private readonly db?: { close(): Promise<void> },
    private readonly server?: { stop(): Promise<void> },
    private readonly socketDir?: string,
  ) {}

  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    const dataDir = resolve(options.dataDir);
    const lockPath = `${dataDir}.lock`;
    mkdirSync(dirname(dataDir), { recursive: true });

    const holder = acquireLock(lockPath);
    if (holder) {
      if (options.attachIfRunning && holder.socketDir) {
        return new EmbeddedDatabase(urlFor(holder.socketDir), false, lockPath);
      }
      throw new Error(
        `The embedded database directory ${dataDir} is in use by process ${holder.pid}. ` +
          'Stop that process, set EMBEDDED_DB_DIR to another directory, or set DATABASE_URL.',
      );
    }

    let socketDir: string | undefined;
    try {
      ownerOnlyDirectory(dataDir);
      socketDir = socketDirectoryFor(dataDir);
      // Loaded here, not at the top: a service on a PostgreSQL server never pays for the embedded engine.
      const { PGlite } = await import('@electric-sql/pglite');
      const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
      const db = await PGlite.create({ dataDir });
      // PGlite runs one backend: the socket server multiplexes connections onto it. Keep the pool
      // small (DB_POOL_SIZE is forced to 1 for the embedded database).
      const server = new PGLiteSocketServer({ db, path: join(socketDir, SOCKET_FILE), maxConnections: 8 });
      await server.start();
      writeFileSync(lockPath, JSON.stringify({ pid: process.pid, socketDir } satisfies LockInfo), { mode: 0o600 });
      return new EmbeddedDatabase(urlFor(socketDir), true, lockPath, db, server, socketDir);
    } catch (err) {
      if (socketDir) {
        rmSync(socketDir, { recursive: true, force: true });
      }
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
    if (this.socketDir) {
      rmSync(this.socketDir, { recursive: true, force: true });
    }
    rmSync(this.lockPath, { force: true });
  }
}

/** `pg` connects to `<host>/.s.PGSQL.5432` when `host` is a directory. */
function urlFor(socketDir: string): string {
  return `postgresql://postgres@/postgres?host=${encodeURIComponent(socketDir)}`;
}

/** Creates the directory (and its parents) if needed, and makes it this user's only. */
function ownerOnlyDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: OWNER_ONLY });
  const stat = lstatSync(path);
  if (!stat.isDirectory() || (typeof process.getuid === 'function' && stat.uid !== process.getuid())) {
    throw new Error(`${path} must be a directory owned by the user running the service`);
  }
  chmodSync(path, OWNER_ONLY);
}

/** `<dataDir>.sock` (a stale socket of a crashed run removed), or a new private directory when that is too long. */
function socketDirectoryFor(dataDir: string): string {
  const beside = `${dataDir}.sock`;
  if (join(beside, SOCKET_FILE).length > MAX_SOCKET_PATH) {
    return mkdtempSync(join(tmpdir(), 'sms-callback-pg-'));
  }
  ownerOnlyDirectory(beside);
  rmSync(join(beside, SOCKET_FILE), { force: true });
  return beside;
}

/** Takes the lock, or returns who holds it. A lock left by a dead process is taken over. */
function acquireLock(lockPath: string): LockInfo | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
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
