import { parseArgs } from 'node:util';
import { MAX_RATE_LIMIT_PER_SECOND } from '../../license/dto/create-license.dto';
import { DEFAULT_ROTATION_OVERLAP_SECONDS, MAX_ROTATION_OVERLAP_SECONDS } from '../../license/dto/rotate-license.query';
import { MAX_ALLOWED_IPS, parseIpOrCidr } from '../../license/ip-allow-list';
import { LICENSE_STATUSES, type LicenseStatus } from '../../license/license.entity';
import type { LicenseUpdate } from '../../license/license.service';

// The command line of the license CLI, read: a command and its options, or a usage mistake.

/** A mistake in the command line: answered with its message and exit code 2. */
export class UsageError extends Error {}

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

export interface Parsed {
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

export function parse(argv: string[]): Parsed | 'help' {
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
