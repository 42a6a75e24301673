import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { isValidCallingCode } from '../sms-callback/normalization/msisdn';
import { isValidTimeZone } from '../sms-callback/normalization/vendor-time';

const IsTimeZone = (options: ValidationOptions) =>
  ValidateBy({ name: 'isTimeZone', validator: { validate: (value) => isValidTimeZone(value as string) } }, options);
const IsCallingCode = (options: ValidationOptions) =>
  ValidateBy({ name: 'isCallingCode', validator: { validate: (value) => isValidCallingCode(String(value)) } }, options);

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every environment variable the service reads, with its default.
 * Validated once at start-up: a bad value stops the process with a message naming the variable.
 * Keep `.env.example` and the README's configuration table in step with this class.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** A PostgreSQL URL. Unset: the embedded database in EMBEDDED_DB_DIR. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  EMBEDDED_DB_DIR = './data/pglite';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 10;

  /** Largest accepted request body, in bytes or with a unit (`64kb`, `1mb`). */
  @Matches(/^\d+\s*(b|kb|mb)?$/i, { message: 'BODY_LIMIT must be a size such as 65536, 64kb or 1mb' })
  BODY_LIMIT = '64kb';

  /** The zone of vendor times written without one (IANA name). */
  @IsTimeZone({ message: 'CALLBACK_TIMEZONE must be an IANA time zone such as Asia/Ho_Chi_Minh' })
  CALLBACK_TIMEZONE = 'Asia/Ho_Chi_Minh';

  /** The calling code of phone numbers written in national form (0912345678). */
  @IsCallingCode({ message: 'DEFAULT_COUNTRY_CODE must be a country calling code such as 84' })
  DEFAULT_COUNTRY_CODE = '84';

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
}

export function validateEnv(raw: Record<string, unknown>): EnvironmentVariables {
  const env = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map(
      (e) => `  ${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`,
    );
    throw new Error(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  return env;
}
