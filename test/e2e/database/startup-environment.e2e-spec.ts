import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedEnv, runTs } from '../../support/processes';

/** Values of secrets that a refusal must never repeat. */
const SECRETS = {
  ADMIN_API_KEY: 'too-short-admin-secret',
  METRICS_TOKEN: 'tok secret',
  DATABASE_URL: 'mysql://admin:hunter2@db.internal/callbacks',
  REDIS_URL: 'http://user:hunter2@cache.internal:6379',
};

describe('a bad environment at start-up', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sms-callback-env-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const badEnv = (extra: Record<string, string> = {}) => {
    const env = embeddedEnv(join(dir, 'pglite'), { PORT: 'abc', ...SECRETS, ...extra });
    env.DATABASE_URL = SECRETS.DATABASE_URL;
    return env;
  };

  it('should stop the service with one JSON log line per bad variable, no stack, no secret', async () => {
    const result = await runTs('src/main.ts', [], badEnv());
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.map((line) => line.variable).sort()).toEqual([
      'ADMIN_API_KEY',
      'DATABASE_URL',
      'METRICS_TOKEN',
      'PORT',
      'REDIS_URL',
    ]);
    for (const line of logged) {
      expect(line).toMatchObject({
        level: 'fatal',
        context: 'Config',
        msg: expect.stringContaining(String(line.variable)),
      });
    }
    expect(logged.find((line) => line.variable === 'PORT')?.msg).toBe('PORT must be an integer number (got "abc").');
    const everything = result.stdout + result.stderr;
    expect(everything).not.toMatch(/\n\s+at |Error:|ExceptionHandler/);
    for (const value of [...Object.values(SECRETS), 'hunter2']) {
      expect(everything).not.toContain(value);
    }
  });

  it('should write those lines in the pretty format when LOG_FORMAT=pretty', async () => {
    const result = await runTs('src/main.ts', [], badEnv({ LOG_FORMAT: 'pretty' }));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FATAL: PORT must be an integer number \(got "abc"\)\./);
    expect(result.stdout).not.toContain('hunter2');
  });

  it('should stop the license CLI with one line per bad variable', async () => {
    const result = await runTs('src/cli/license/license.cli.ts', ['list'], badEnv());
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines).toContain('Error: PORT must be an integer number (got "abc").');
    for (const value of [...Object.values(SECRETS), 'hunter2']) {
      expect(result.stderr).not.toContain(value);
    }
  });
});
