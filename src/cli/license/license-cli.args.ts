import { parseArgs } from 'node:util';
import {
  CreateLicenseDto,
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  ListLicensesQuery,
  RotateLicenseQuery,
  UpdateLicenseDto,
  type LicenseStatus,
  type LicenseUpdate,
} from '../../index';
import { UsageError } from './license-cli.errors';
import { throughDto } from './license-cli.validation';

// The command line of the license CLI, read: a command and its options, or a usage mistake.

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
    if (values.enterprise === undefined) {
      throw new UsageError('issue needs --enterprise <id>.');
    }
    const dto = throughDto(CreateLicenseDto, { enterpriseId: values.enterprise, ...settingsOf(values, false) });
    parsed.enterprise = dto.enterpriseId;
    parsed.settings = settingsFrom(dto);
  } else if (parsed.command === 'update') {
    parsed.settings = settingsFrom(throughDto(UpdateLicenseDto, settingsOf(values, true)));
  }
  // The list's filters and paging as the admin API's query reads them.
  const query = throughDto(ListLicensesQuery, {
    enterpriseId: parsed.command === 'list' ? values.enterprise : undefined,
    status: values.status,
    expiringBefore: values['expiring-before'],
    limit: values.limit ?? '50',
  });
  parsed.enterprise = parsed.command === 'list' ? query.enterpriseId : parsed.enterprise;
  parsed.status = query.status;
  parsed.expiringBefore = query.expiringBefore === undefined ? undefined : new Date(query.expiringBefore);
  parsed.limit = query.limit;
  if (values.overlap !== undefined) {
    parsed.overlapSeconds = throughDto(RotateLicenseQuery, {
      overlapSeconds: parseDuration(values.overlap),
    }).overlapSeconds;
  }
  return parsed;
}

type Values = ReturnType<typeof parseArgs>['values'];

/** The settings flags as the admin API's body has them (`never`, `default` and an empty label: null). */
function settingsOf(values: Values, isUpdate: boolean): Record<string, unknown> {
  const text = (name: string) => values[name] as string | undefined;
  const label = text('label');
  const expires = text('expires');
  const rateLimit = text('rate-limit');
  const allowIps = values['allow-ip'] as string[] | undefined;
  if (values['allow-any-ip'] && allowIps !== undefined) {
    throw new UsageError('--allow-any-ip and --allow-ip exclude each other.');
  }
  return {
    label: label === '' ? null : label,
    validFrom: text('valid-from'),
    expiresAt: isUpdate && expires === 'never' ? null : expires,
    rateLimitPerSecond: isUpdate && rateLimit === 'default' ? null : digitsAsNumber(rateLimit),
    allowedIps: values['allow-any-ip'] ? [] : allowIps,
  };
}

/** `25` as 25, as the admin API's JSON body would carry it; anything else as typed, for the DTO to refuse. */
function digitsAsNumber(value: string | undefined): number | string | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : value;
}

/** What the service takes from a validated body: only the settings given. */
function settingsFrom(dto: UpdateLicenseDto): LicenseUpdate {
  const settings: LicenseUpdate = {};
  for (const key of ['label', 'validFrom', 'expiresAt', 'rateLimitPerSecond', 'allowedIps'] as const) {
    if (dto[key] !== undefined) {
      Object.assign(settings, { [key]: dto[key] });
    }
  }
  return settings;
}

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** `0`, `90`, `90s`, `30m`, `12h`, `7d` in seconds. */
function parseDuration(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * DURATION_UNITS[match[2]] : NaN;
  if (Number.isNaN(seconds)) {
    throw new UsageError('--overlap must be a duration such as 0, 90s, 30m, 12h or 7d (at most 30d).');
  }
  return seconds;
}
