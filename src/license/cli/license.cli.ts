import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import type { License } from '../license.entity';
import { LicenseService } from '../license.service';
import { LicenseCliModule } from './license-cli.module';

const USAGE = `Usage: npm run license -- <command> [options]

Commands:
  issue --enterprise <id> [--label <text>] [--expires <ISO date>] [--valid-from <ISO date>] [--json]
        Issue a license and print its API key. The key is shown once: only its hash is stored.
  list [--enterprise <id>] [--json]
        List licenses (never their keys).
  revoke <license id> [--json]
        Revoke a license for good: its key stops working at once.

The database is DATABASE_URL, or the embedded one in EMBEDDED_DB_DIR (also while the service runs).`;

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

class UsageError extends Error {}

/** Runs one CLI command; resolves to the process exit code (0 ok, 1 failed, 2 usage). */
export async function runLicenseCli(argv: string[], io: CliOutput): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.command === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const app = await NestFactory.createApplicationContext(LicenseCliModule, { logger: ['error'], abortOnError: false });
  try {
    const licenses = app.get(LicenseService);
    await execute(parsed, licenses, io);
    return 0;
  } catch (err) {
    io.err(`Error: ${describeError(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    await app.close();
  }
}

type Parsed = ReturnType<typeof parse>;

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      enterprise: { type: 'string' },
      label: { type: 'string' },
      expires: { type: 'string' },
      'valid-from': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command = 'help', ...rest] = positionals;
  if (values.help || command === 'help') {
    return { command: 'help' as const, values, rest };
  }
  if (command !== 'issue' && command !== 'list' && command !== 'revoke') {
    throw new UsageError(`Unknown command "${command}".`);
  }
  if (command === 'issue') {
    const enterprise = values.enterprise?.trim();
    if (!enterprise) {
      throw new UsageError('issue needs --enterprise <id>.');
    }
    if (enterprise.length > 64) {
      throw new UsageError('--enterprise must be at most 64 characters.');
    }
    if (values.label !== undefined && values.label.length > 200) {
      throw new UsageError('--label must be at most 200 characters.');
    }
  }
  if (command === 'revoke' && rest.length !== 1) {
    throw new UsageError('revoke needs exactly one license id.');
  }
  return {
    command,
    values,
    rest,
    expiresAt: optionalDate(values.expires, '--expires'),
    validFrom: optionalDate(values['valid-from'], '--valid-from'),
  };
}

async function execute(parsed: Parsed, licenses: LicenseService, io: CliOutput): Promise<void> {
  const json = parsed.values.json;
  switch (parsed.command) {
    case 'issue': {
      const { license, apiKey } = await licenses.issue({
        enterpriseId: parsed.values.enterprise!.trim(),
        label: parsed.values.label ?? null,
        expiresAt: 'expiresAt' in parsed ? parsed.expiresAt : undefined,
        validFrom: 'validFrom' in parsed ? parsed.validFrom : undefined,
      });
      if (json) {
        io.out(`${JSON.stringify({ ...view(license), apiKey })}\n`);
      } else {
        io.out(
          [
            'License issued.',
            ...describe(license),
            `  API-KEY:     ${apiKey}`,
            '',
            'Store the key now: it is shown only this once (the service keeps only its hash).',
            '',
          ].join('\n'),
        );
      }
      return;
    }
    case 'list': {
      const found = await licenses.list({ enterpriseId: parsed.values.enterprise });
      if (json) {
        io.out(`${JSON.stringify(found.map(view))}\n`);
      } else if (found.length === 0) {
        io.out('No licenses.\n');
      } else {
        io.out(`${found.map((license) => describe(license).join('\n')).join('\n\n')}\n`);
      }
      return;
    }
    case 'revoke': {
      const id = parsed.rest[0];
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
        throw new UsageError(`"${id}" is not a license id (a UUID).`);
      }
      const license = await licenses.revoke(id);
      io.out(json ? `${JSON.stringify(view(license))}\n` : `License ${license.id} is revoked.\n`);
      return;
    }
  }
}

function view(license: License) {
  return {
    id: license.id,
    enterprise: license.enterpriseId,
    label: license.label,
    keyPrefix: license.keyPrefix,
    status: license.status,
    validFrom: license.validFrom.toISOString(),
    expiresAt: license.expiresAt?.toISOString() ?? null,
    createdAt: license.createdAt.toISOString(),
    lastUsedAt: license.lastUsedAt?.toISOString() ?? null,
  };
}

function describe(license: License): string[] {
  return [
    `  id:          ${license.id}`,
    `  enterprise:  ${license.enterpriseId}`,
    `  label:       ${license.label ?? '-'}`,
    `  key prefix:  ${license.keyPrefix}…`,
    `  status:      ${license.status}`,
    `  valid from:  ${license.validFrom.toISOString()}`,
    `  expires:     ${license.expiresAt?.toISOString() ?? 'never'}`,
    `  last used:   ${license.lastUsedAt?.toISOString() ?? 'never'}`,
  ];
}

function optionalDate(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) {
    return undefined;
  }
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new UsageError(`${flag} must be an ISO 8601 date, e.g. 2027-01-01 or 2027-01-01T00:00:00Z.`);
  }
  return date;
}

function describeError(err: unknown): string {
  const response = (err as { getResponse?: () => unknown }).getResponse?.();
  if (response && typeof response === 'object' && 'message' in response) {
    return String(response.message);
  }
  return err instanceof Error ? err.message : String(err);
}

if (require.main === module) {
  runLicenseCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      process.stderr.write(`Error: ${describeError(err)}\n`);
      process.exitCode = 1;
    });
}
