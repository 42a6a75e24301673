import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { CallbackRetentionService, MaintenanceReport } from '../retention/callback-retention.service';
import { CallbacksCliModule } from './callbacks-cli.module';

const USAGE = `Usage: npm run callbacks -- <command> [options]

Commands:
  maintain [--json]
        Run partition maintenance now, as the service does every CALLBACK_MAINTENANCE_INTERVAL_MINUTES: create
        the daily partitions of the callbacks table ahead, drop those past CALLBACK_RETENTION_DAYS, delete the
        expired rows of the default partition, roll the statistics up to the last whole hour. Waits for nothing: when another instance is running it, says so
        and exits 0 without doing anything.

The database is DATABASE_URL, or the embedded one in EMBEDDED_DB_DIR (also while the service runs).
Exit code: 0 done (or skipped), 1 a step failed (it is retried at the next run), 2 usage.`;

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** Runs one CLI command; resolves to the process exit code. */
export async function runCallbacksCli(argv: string[], io: CliOutput): Promise<number> {
  let json: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] !== 'maintain') {
      throw new Error(positionals.length === 0 ? 'A command is needed.' : `Unknown command: ${positionals.join(' ')}`);
    }
    json = values.json;
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const app = await NestFactory.createApplicationContext(CallbacksCliModule, {
    logger: ['error'],
    abortOnError: false,
  });
  try {
    const report = await app.get(CallbackRetentionService).runMaintenance();
    io.out(json ? `${JSON.stringify(report)}\n` : describe(report));
    return report.failures.length > 0 ? 1 : 0;
  } catch (err) {
    io.err(`Error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await app.close();
  }
}

function describe(report: MaintenanceReport): string {
  if (!report.ran) {
    return 'Another instance is running partition maintenance: nothing done.\n';
  }
  const list = (names: string[]) => (names.length > 0 ? `: ${names.join(', ')}` : '');
  return [
    `Retention: ${report.retentionDays > 0 ? `${report.retentionDays} days` : 'forever'}`,
    `Created ${report.created.length} partitions${list(report.created)} (${report.movedRows} rows moved from the default partition)`,
    `Dropped ${report.dropped.length} partitions${list(report.dropped)} (${report.dropMs} ms)`,
    `Deleted ${report.deletedStrays} expired rows of the default partition`,
    report.rollup
      ? `Statistics rolled up: ${report.rollup.hours} hours (${report.rollup.callbacks} callbacks), ${report.rollup.lateCallbacks} late arrivals; up to ${report.rollup.rolledTo ?? 'nothing yet'}`
      : 'Statistics rollup: not updated',
    ...report.failures.map((failure) => `FAILED: ${failure}`),
    `${report.partitions} partitions now; ${report.durationMs} ms`,
    '',
  ].join('\n');
}

if (require.main === module) {
  runCallbacksCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`Error: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
