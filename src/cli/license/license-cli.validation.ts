import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '../../common/pipes/validation.pipe';
import { UsageError } from './license-cli.errors';

/** The command-line flag of each field of the admin API's DTOs. */
const FLAGS: Record<string, string> = {
  enterpriseId: '--enterprise',
  label: '--label',
  validFrom: '--valid-from',
  expiresAt: '--expires',
  rateLimitPerSecond: '--rate-limit',
  allowedIps: '--allow-ip',
  status: '--status',
  expiringBefore: '--expiring-before',
  limit: '--limit',
  overlapSeconds: '--overlap',
};

/**
 * The flags' values through the admin API's own DTO and its rules (the same class-validator rules the
 * API answers 400 with), so that the CLI and the API accept the same licenses. The first broken rule is a
 * {@link UsageError} naming the flag.
 */
export function throughDto<T extends object>(dto: new () => T, plain: Record<string, unknown>): T {
  const given = Object.fromEntries(Object.entries(plain).filter(([, value]) => value !== undefined));
  const instance = plainToInstance(dto, given, { exposeDefaultValues: true });
  const errors = validateSync(instance, { whitelist: true, forbidUnknownValues: true, stopAtFirstError: true });
  const [field, rules] = Object.entries(flattenValidationErrors(errors))[0] ?? [];
  if (field !== undefined) {
    const flag = FLAGS[field.split('.')[0]] ?? field;
    throw new UsageError(`${flag}: ${Object.values(rules ?? {})[0] ?? 'not valid'}.`);
  }
  return instance;
}
