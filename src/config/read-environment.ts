import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

/** The environment as ConfigModule reads it: `.env` in the working directory (if any) under the process's. */
export function readEnvironment(cwd = process.cwd()): Record<string, string | undefined> {
  let file: Record<string, string> = {};
  try {
    file = parseEnv(readFileSync(join(cwd, '.env'), 'utf8')) as Record<string, string>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err;
    }
  }
  return { ...file, ...process.env };
}
