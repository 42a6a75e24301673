import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, ValidateBy, ValidationOptions } from 'class-validator';
// The two checks straight from their files, not through '../index': the cluster's primary validates the
// environment too, and the index would load the whole library (TypeORM, Nest's modules) into it.
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

  /**
   * Processes serving HTTP: a number, or `auto` (the cores available). 1 (the default): this process alone;
   * more: a primary forks that many workers on the same port (see README, "Several processes"). More than one
   * needs DATABASE_URL: the embedded database is one process's.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\s*(auto|[1-9]\d{0,2})\s*$/i, {
    message: 'WEB_CONCURRENCY must be a number of processes from 1 to 999, or auto',
  })
  WEB_CONCURRENCY?: string;

  /** Largest accepted request body, in bytes or with a unit (`64kb`, `1mb`). */
  @Matches(/^\d+\s*(b|kb|mb)?$/i, { message: 'BODY_LIMIT must be a size such as 65536, 64kb or 1mb' })
  BODY_LIMIT = '64kb';

  /**
   * Largest body of `POST /api/vendor/v1/sms/callback/batch` (up to 1,000 callbacks); 1 MB holds 1,000 of the
   * largest callbacks (about 900 bytes each).
   */
  @Matches(/^\d+\s*(b|kb|mb)?$/i, { message: 'BATCH_BODY_LIMIT must be a size such as 1048576, 1024kb or 1mb' })
  BATCH_BODY_LIMIT = '1mb';

  /**
   * How long a request body may take to arrive once the route asks for it (after the API key passed); then
   * 408. Apart from REQUEST_TIMEOUT_MS, which is held meanwhile: a slow link never eats the handler's time.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  BODY_TIMEOUT_MS = 30_000;

  /** How long a client may take to send its request line and headers (then 408 and the connection closes). */
  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(120_000)
  HEADERS_TIMEOUT_MS = 10_000;

  /**
   * Open connections the server keeps at most; past it new ones are closed at once. Lowered at start-up to
   * what the open-file limit allows (ulimit -n, less a reserve for the database and files).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_CONNECTIONS = 4_096;

  /**
   * Open connections one client address (IPv6: its /64) may hold; past it, 503 + Retry-After and closed.
   * Trusted proxies (TRUST_PROXY) are exempt: they carry many clients. 0 = no per-client bound.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  MAX_CONNECTIONS_PER_CLIENT = 256;

  /** The zone of vendor times written without one (IANA name). */
  @IsTimeZone({ message: 'CALLBACK_TIMEZONE must be an IANA time zone such as Asia/Ho_Chi_Minh' })
  CALLBACK_TIMEZONE = 'Asia/Ho_Chi_Minh';

  /** The calling code of phone numbers written in national form (0912345678). */
  @IsCallingCode({ message: 'DEFAULT_COUNTRY_CODE must be a country calling code such as 84' })
  DEFAULT_COUNTRY_CODE = '84';

  /**
   * Days a callback is kept after its sendTime (whole UTC days: it goes within a day after that), and a stray
   * (a sendTime outside every daily partition) after it was received; 0 = keep forever.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(36_500)
  CALLBACK_RETENTION_DAYS = 90;

  /** Minutes between partition maintenance runs (partitions ahead, retention); 0 = never by itself (use the CLI). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_440)
  CALLBACK_MAINTENANCE_INTERVAL_MINUTES = 60;

  /**
   * Read replicas for the read API (list, one callback, statistics), comma-separated PostgreSQL URLs; writes and
   * key verification stay on DATABASE_URL. Only with DATABASE_URL.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s,]+(\s*,\s*postgres(ql)?:\/\/[^\s,]+)*$/, {
    message: 'DATABASE_READ_URL must be one or more comma-separated postgres:// or postgresql:// URLs',
  })
  DATABASE_READ_URL?: string;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  // --- Operations: logs, metrics, health, timeouts, shutdown (issue 6) ---

  /** `json` (one JSON object a line, for log collectors) or `pretty` (for people; needs pino-pretty, else JSON). */
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  /** When set, `GET /metrics` needs `Authorization: Bearer <METRICS_TOKEN>`. Unset: open (protect it at the network). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,}$/, { message: 'METRICS_TOKEN must be at least 16 printable characters without spaces' })
  METRICS_TOKEN?: string;

  /** Origins allowed by CORS, comma-separated (`https://a.example,https://b.example`) or `*`. Unset: CORS off. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,]+(\s*,\s*https?:\/\/[^\s,]+)*)$/, {
    message: 'CORS_ORIGINS must be * or a comma-separated list of http(s):// origins',
  })
  CORS_ORIGINS?: string;

  /** A request still unanswered after this is answered 503 + Retry-After (it may be sent again safely). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  REQUEST_TIMEOUT_MS = 4_500;

  /** How long to wait for a database connection (connect, or a free one in the pool) before answering 503. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  DB_CONNECT_TIMEOUT_MS = 2_000;

  /** PostgreSQL `statement_timeout` of the service's queries (the client gives up 1 s later). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DB_STATEMENT_TIMEOUT_MS = 3_000;

  /** On SIGTERM/SIGINT: how long in-flight requests may take to finish before their connections are closed. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /**
   * How far V8 lets the old generation grow past what the last full collection kept, in % (V8's
   * `--heap-growing-percent`), set before the app loads. Under a burst, requests in flight outlive the young
   * generation and V8's own heuristics let the heap reach ~4x the live data (~42 MB); 100 holds it to ~2x:
   * a worker's peak RSS ~185 MB instead of ~230 MB at 200 and ~285 MB with V8's heuristics, for ~1.5x the
   * full collections (no CPU difference measurable on the shared box). 0: V8's heuristics.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000)
  HEAP_GROWING_PERCENT = 100;

  // --- Licenses: admin API, verification cache, rate limits (issue 3) ---

  /** The credential of the admin API (header `ADMIN-API-KEY`). Unset: the admin API is off (404). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,}$/, {
    message: 'ADMIN_API_KEY must be at least 32 printable characters without spaces (e.g. `openssl rand -base64 32`)',
  })
  ADMIN_API_KEY?: string;

  /** A name for that credential, written in the audit rows of the changes made with it (never the key). */
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'ADMIN_API_KEY_ID must be 1-64 characters of A-Z a-z 0-9 . _ -' })
  ADMIN_API_KEY_ID = 'admin';

  /** How long a verified API key is trusted without asking the database; 0 = ask on every request. Changes
   * reach every instance within a second (LISTEN/NOTIFY, or a check every 500 ms); this is the bound when a
   * notification is lost. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(5000)
  LICENSE_CACHE_TTL_MS = 4000;

  /**
   * Requests per second of a license without a limit of its own; 0 = no limit (the default). A capacity
   * decision: one instance takes a few thousand callbacks per second, so any default low enough to protect it
   * throttles the one vendor that sends the most below what the service can take; operators set a limit per
   * license (the admin API) where they want one.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  LICENSE_RATE_LIMIT_PER_SECOND = 0;

  /** Failed authentications (401) one client address may make per window before it is refused (429); 0 = off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  AUTH_FAILURE_LIMIT = 10;

  /** The window of AUTH_FAILURE_LIMIT, and how long an address stays refused once over it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  AUTH_FAILURE_WINDOW_SECONDS = 60;

  /** Redis for the rate-limit counters, shared by every instance. Unset: counters in memory, per instance. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Prefix of every Redis key this service writes. */
  @Matches(/^[A-Za-z0-9:._-]{0,64}$/, {
    message: 'REDIS_KEY_PREFIX must be up to 64 characters of A-Z a-z 0-9 : . _ -',
  })
  REDIS_KEY_PREFIX = 'sms-callback:';

  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address: `false` (none: the TCP peer is the
   * client), `true` (any: only behind a proxy that overwrites the header), a hop count, or a comma-separated
   * list of proxy addresses / CIDRs (`loopback`, `linklocal`, `uniquelocal` allowed), as Express reads it.
   */
  @Matches(/^(true|false|\d{1,2}|((loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(\/\d{1,3})?)\s*(,\s*|$))+)$/, {
    message: 'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses/CIDRs',
  })
  TRUST_PROXY = 'false';

  // --- The stream of stored callbacks to RabbitMQ (issue 12) ---

  /** The AMQP broker (RabbitMQ) that every newly stored callback is published to. Unset: the stream is off. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^amqps?:\/\/.+/, { message: 'BROKER_URL must be an amqp:// or amqps:// URL' })
  BROKER_URL?: string;

  /** The durable topic exchange the callbacks are published to (declared by the service). */
  @Matches(/^[A-Za-z0-9._:-]{1,127}$/, {
    message: 'BROKER_EXCHANGE must be 1-127 characters of A-Z a-z 0-9 . _ : -',
  })
  BROKER_EXCHANGE = 'sms-callback';

  /** Above this many callbacks waiting in the outbox (not yet confirmed by the broker), a warning is logged. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000_000)
  BROKER_BACKLOG_WARN_THRESHOLD = 1_000;
}
