import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const REGISTER = resolve(ROOT, 'scripts', 'register-ts.js');

/** Environment for a child that must use the embedded database in `dataDir`, not the suite's. */
export function embeddedEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, EMBEDDED_DB_DIR: dataDir, NODE_ENV: 'test', ...extra };
  delete env.DATABASE_URL;
  delete env.DB_POOL_SIZE;
  return env;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry point of the project (e.g. the license CLI) to completion. */
export function runTs(entry: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-r', REGISTER, resolve(ROOT, entry), ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${entry} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** A running service (`src/main.ts`) on a free port. */
export class ServiceProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly url: string,
    readonly output: () => string,
  ) {}

  static async start(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ServiceProcess> {
    const child = spawn(process.execPath, ['-r', REGISTER, resolve(ROOT, 'src/main.ts')], {
      cwd: ROOT,
      env: { ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'log' },
    });
    let output = '';
    return new Promise((done, fail) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`The service did not start in ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          done(new ServiceProcess(child, match[1].replace('[::1]', '127.0.0.1'), () => output));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`The service exited with ${code} before listening:\n${output}`));
      });
    });
  }

  /**
   * Sends a signal and waits for the process to end; resolves to its exit code, or the signal that
   * ended it (Nest re-raises SIGTERM after its shutdown hooks have run).
   */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | NodeJS.Signals | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return Promise.resolve(this.child.exitCode ?? this.child.signalCode);
    }
    return new Promise((done) => {
      this.child.once('exit', (code, endedBy) => done(code ?? endedBy));
      this.child.kill(signal);
    });
  }
}
