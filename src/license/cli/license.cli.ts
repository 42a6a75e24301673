import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { environmentProblems } from '../../config/env.validation';
import { readEnvironment } from '../../config/read-environment';
import type { LicenseDto } from '../dto/license.dto';
import type { LicenseEventDto } from '../dto/license-event.dto';
import { MAX_RATE_LIMIT_PER_SECOND } from '../dto/create-license.dto';
import { DEFAULT_ROTATION_OVERLAP_SECONDS, MAX_ROTATION_OVERLAP_SECONDS } from '../dto/rotate-license.query';
import { MAX_ALLOWED_IPS, parseIpOrCidr } from '../ip-allow-list';
import { LICENSE_STATUSES, type LicenseStatus } from '../license.entity';
import { LicenseService, type LicenseUpdate } from '../license.service';
import { LicenseCliModule } from './license-cli.module';

const USAGE = `Usage: npm run license -- <command> [options]    (or: bin/license <command> [options])

Commands (the same operations as the admin API, through the same service; every change is audited):
  issue --enterprise <id> [--label <text>] [--valid-from <date>] [--expires <date>]
        [--rate-limit <n>] [--allow-ip <ip|cidr>]... [--json]
        Issue a license and print its API key. The key is shown once: only its hash is stored.
  list [--enterprise <id>] [--status active|suspended|revoked] [--expiring-before <date>] [--json]
        List licenses (never their keys).
  show <license id> [--json]
  update <license id> [--label <text>] [--valid-from <date>] [--expires <date>|never]
         [--rate-limit <n>|default] [--allow-ip <ip|cidr>]... [--allow-any-ip] [--json]
        Change a license; options left out stay as they are (--label "" clears the label).
  suspend <license id> [--json]     The key stops working until resumed.
  resume <license id> [--json]      A suspended key works again (never a revoked one).
  revoke <license id> [--json]      Revoke for good: the key stops working.
  rotate <license id> [--overlap <duration>] [--json]
        Issue a new key with the same settings and print it (once); the old key keeps working for the
        overlap (default 24h; e.g. 0, 90s, 30m, 12h, 7d), then stops.
  events <license id> [--limit <n>] [--json]
        The audit trail of a license, newest first (default: the last 50 changes).

Dates are ISO 8601 (2027-01-01 or 2027-01-01T00:00:00Z). A running service sees a change within
LICENSE_CACHE_TTL_MS (5 s at most). The database is DATABASE_URL, or the embedded one in EMBEDDED_DB_DIR
(also while the service runs).`;

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

class UsageError extends Error {}

const COMMANDS = ['issue', 'list', 'show', 'update', 'suspend', 'resume', 'revoke', 'rotate', 'events'] as const;
type Command = (typeof COMMANDS)[number];
const COMMANDS_ON_ONE_LICENSE: readonly Command[] = [
  'show',
  'update',
  'suspend',
  'resume',
  'revoke',
  'rotate',
  'events',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SEE_HELP = 'Run `npm run license -- --help` for the usage.';

/**
 * Runs one CLI command; resolves to the process exit code (0 ok, 1 failed, 2 usage). `--help` prints the
 * usage (exit 0); no command prints it to standard error (exit 2); any other mistake is one line.
 */
export async function runLicenseCli(argv: string[], io: CliOutput): Promise<number> {
  if (argv.length === 0) {
    io.err(`${USAGE}\n`);
    return 2;
  }
  let parsed: Parsed | 'help';
  try {
    parsed = parse(argv);
  } catch (err) {
    io.err(`Error: ${(err as Error).message} ${SEE_HELP}\n`);
    return 2;
  }
  if (parsed === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const app = await NestFactory.createApplicationContext(LicenseCliModule, { logger: ['error'], abortOnError: false });
  try {
    await execute(parsed, app.get(LicenseService), io);
    return 0;
  } catch (err) {
    io.err(`Error: ${describeError(err)}${err instanceof UsageError ? ` ${SEE_HELP}` : ''}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    await app.close();
  }
}

interface Parsed {
  command: Command;
  id: string;
  json: boolean;
  enterprise?: string;
  status?: LicenseStatus;
  expiringBefore?: Date;
  settings: LicenseUpdate;
  overlapSeconds: number;
  limit: number;
}

function parse(argv: string[]): Parsed | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      enterprise: { type: 'string' },
      label: { type: 'string' },
      expires: { type: 'string' },
      'valid-from': { type: 'string' },
      'rate-limit': { type: 'string' },
      'allow-ip': { type: 'string', multiple: true },
      'allow-any-ip': { type: 'boolean', default: false },
      status: { type: 'string' },
      'expiring-before': { type: 'string' },
      overlap: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command = 'help', ...rest] = positionals;
  if (values.help || command === 'help') {
    return 'help';
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`Unknown command "${command}".`);
  }
  const parsed: Parsed = {
    command: command as Command,
    id: '',
    json: values.json,
    settings: {},
    overlapSeconds: DEFAULT_ROTATION_OVERLAP_SECONDS,
    limit: 50,
  };
  if (COMMANDS_ON_ONE_LICENSE.includes(parsed.command)) {
    if (rest.length !== 1) {
      throw new UsageError(`${command} needs exactly one license id.`);
    }
    if (!UUID.test(rest[0])) {
      throw new UsageError(`"${rest[0]}" is not a license id (a UUID).`);
    }
    parsed.id = rest[0];
  } else if (rest.length > 0) {
    throw new UsageError(`${command} takes no argument (got "${rest.join(' ')}").`);
  }

  if (parsed.command === 'issue') {
    const enterprise = values.enterprise?.trim();
    if (!enterprise) {
      throw new UsageError('issue needs --enterprise <id>.');
    }
    if (enterprise.length > 64) {
      throw new UsageError('--enterprise must be at most 64 characters.');
    }
    parsed.enterprise = enterprise;
  } else if (parsed.command === 'list') {
    parsed.enterprise = values.enterprise?.trim();
  }
  if (parsed.command === 'issue' || parsed.command === 'update') {
    parsed.settings = parseSettings(values, parsed.command === 'update');
  }
  if (values.status !== undefined) {
    if (!(LICENSE_STATUSES as readonly string[]).includes(values.status)) {
      throw new UsageError(`--status must be one of ${LICENSE_STATUSES.join(', ')}.`);
    }
    parsed.status = values.status as LicenseStatus;
  }
  parsed.expiringBefore = optionalDate(values['expiring-before'], '--expiring-before');
  if (values.overlap !== undefined) {
    parsed.overlapSeconds = parseDuration(values.overlap);
  }
  if (values.limit !== undefined) {
    parsed.limit = integerIn(values.limit, '--limit', 1, 100);
  }
  return parsed;
}

function parseSettings(values: ReturnType<typeof parseArgs>['values'], isUpdate: boolean): LicenseUpdate {
  const text = (name: string) => values[name] as string | undefined;
  const settings: LicenseUpdate = {};
  const label = text('label');
  if (label !== undefined) {
    if (label.length > 200) {
      throw new UsageError('--label must be at most 200 characters.');
    }
    settings.label = label === '' ? null : label;
  }
  settings.validFrom = optionalDate(text('valid-from'), '--valid-from');
  const expires = text('expires');
  settings.expiresAt = isUpdate && expires === 'never' ? null : optionalDate(expires, '--expires');
  const rateLimit = text('rate-limit');
  if (rateLimit !== undefined) {
    settings.rateLimitPerSecond =
      isUpdate && rateLimit === 'default' ? null : integerIn(rateLimit, '--rate-limit', 1, MAX_RATE_LIMIT_PER_SECOND);
  }
  const allowIps = values['allow-ip'] as string[] | undefined;
  if (allowIps !== undefined) {
    const invalid = allowIps.find((entry) => parseIpOrCidr(entry.trim()) === undefined);
    if (invalid !== undefined) {
      throw new UsageError(`--allow-ip "${invalid}" is not an IP address or a CIDR block such as 203.0.113.0/24.`);
    }
    if (allowIps.length > MAX_ALLOWED_IPS) {
      throw new UsageError(`At most ${MAX_ALLOWED_IPS} --allow-ip.`);
    }
    settings.allowedIps = allowIps;
  }
  if (values['allow-any-ip']) {
    if (allowIps !== undefined) {
      throw new UsageError('--allow-any-ip and --allow-ip exclude each other.');
    }
    settings.allowedIps = [];
  }
  return settings;
}

async function execute(parsed: Parsed, licenses: LicenseService, io: CliOutput): Promise<void> {
  const actor = cliActor();
  const print = (license: LicenseDto, sentence: string) =>
    io.out(parsed.json ? `${JSON.stringify(view(license))}\n` : `${sentence}\n${describe(license).join('\n')}\n`);
  switch (parsed.command) {
    case 'issue': {
      const issued = await licenses.issue({ enterpriseId: parsed.enterprise!, ...parsed.settings }, actor);
      io.out(
        parsed.json
          ? `${JSON.stringify({ ...view(issued), apiKey: issued.apiKey })}\n`
          : showKey('License issued.', issued),
      );
      return;
    }
    case 'list': {
      const found = await licenses.list({
        enterpriseId: parsed.enterprise,
        status: parsed.status,
        expiringBefore: parsed.expiringBefore,
      });
      if (parsed.json) {
        io.out(`${JSON.stringify(found.map(view))}\n`);
      } else if (found.length === 0) {
        io.out('No licenses.\n');
      } else {
        io.out(`${found.map((license) => describe(license).join('\n')).join('\n\n')}\n`);
      }
      return;
    }
    case 'show':
      return print(await licenses.get(parsed.id), `License ${parsed.id}:`);
    case 'update':
      return print(await licenses.update(parsed.id, parsed.settings, actor), `License ${parsed.id} is updated.`);
    case 'suspend':
      return print(await licenses.suspend(parsed.id, actor), `License ${parsed.id} is suspended.`);
    case 'resume':
      return print(await licenses.resume(parsed.id, actor), `License ${parsed.id} is resumed.`);
    case 'revoke':
      return print(await licenses.revoke(parsed.id, actor), `License ${parsed.id} is revoked.`);
    case 'rotate': {
      const rotated = await licenses.rotate(parsed.id, parsed.overlapSeconds, actor);
      if (parsed.json) {
        io.out(`${JSON.stringify({ ...view(rotated), apiKey: rotated.apiKey, previous: view(rotated.previous) })}\n`);
      } else {
        io.out(
          showKey(`License ${parsed.id} is rotated. The new license:`, rotated) +
            `The old key (${rotated.previous.keyPrefix}…) works until ${rotated.previous.expiresAt ?? 'never'}.\n`,
        );
      }
      return;
    }
    case 'events': {
      const page = await licenses.events(parsed.id, 1, parsed.limit);
      if (parsed.json) {
        io.out(`${JSON.stringify(page.items)}\n`);
      } else {
        io.out(`${page.items.map(describeEvent).join('\n') || 'No events.'}\n`);
      }
      return;
    }
  }
}

/** Who the CLI's changes are attributed to in the audit trail. */
function cliActor(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep $USER
  }
  return `cli:${user}@${hostname()}`.slice(0, 128);
}

function showKey(sentence: string, license: LicenseDto & { apiKey: string }): string {
  return [
    sentence,
    ...describe(license),
    `  API-KEY:     ${license.apiKey}`,
    '',
    'Store the key now: it is shown only this once (the service keeps only its hash).',
    '',
  ].join('\n');
}

function view(license: LicenseDto) {
  return {
    id: license.id,
    enterprise: license.enterpriseId,
    label: license.label,
    keyPrefix: license.keyPrefix,
    status: license.status,
    state: license.state,
    validFrom: license.validFrom,
    expiresAt: license.expiresAt,
    rateLimitPerSecond: license.rateLimitPerSecond,
    allowedIps: license.allowedIps,
    rotatedFromId: license.rotatedFromId,
    createdAt: license.createdAt,
    lastUsedAt: license.lastUsedAt,
  };
}

function describe(license: LicenseDto): string[] {
  return [
    `  id:          ${license.id}`,
    `  enterprise:  ${license.enterpriseId}`,
    `  label:       ${license.label ?? '-'}`,
    `  key prefix:  ${license.keyPrefix}…`,
    `  status:      ${license.status}${license.state === license.status ? '' : ` (${license.state})`}`,
    `  valid from:  ${license.validFrom}`,
    `  expires:     ${license.expiresAt ?? 'never'}`,
    `  rate limit:  ${license.rateLimitPerSecond === null ? 'default' : `${license.rateLimitPerSecond}/s`}`,
    `  allowed IPs: ${license.allowedIps.length === 0 ? 'any' : license.allowedIps.join(', ')}`,
    ...(license.rotatedFromId ? [`  rotated from: ${license.rotatedFromId}`] : []),
    `  last used:   ${license.lastUsedAt ?? 'never'}`,
  ];
}

function describeEvent(event: LicenseEventDto): string {
  const changes = Object.entries(event.changes)
    .map(([field, { before, after }]) => `${field}: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`)
    .join('; ');
  return `${event.occurredAt}  ${event.action.padEnd(9)}  by ${event.actor}  ${changes}`;
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

function integerIn(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}.`);
  }
  return n;
}

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** `0`, `90`, `90s`, `30m`, `12h`, `7d` in seconds. */
function parseDuration(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * DURATION_UNITS[match[2]] : NaN;
  if (!(seconds >= 0 && seconds <= MAX_ROTATION_OVERLAP_SECONDS)) {
    throw new UsageError('--overlap must be a duration such as 0, 90s, 30m, 12h or 7d (at most 30d).');
  }
  return seconds;
}

function describeError(err: unknown): string {
  const response = (err as { getResponse?: () => unknown }).getResponse?.();
  if (response && typeof response === 'object' && 'message' in response) {
    return String(response.message);
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * The CLI as a process: `npm run license -- ...` and `bin/license ...` run this. A bad environment is one
 * line per variable (never a secret's value), checked before anything starts.
 */
export function main(): void {
  const problems = environmentProblems(readEnvironment());
  if (problems.length > 0) {
    process.stderr.write(problems.map(({ message }) => `Error: ${message}\n`).join(''));
    // At once: the configuration module has already refused this environment, and Nest would log that too.
    process.exit(1);
  }
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

if (require.main === module) {
  main();
}
