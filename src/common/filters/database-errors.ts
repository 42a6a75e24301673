const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection is not established',
  'Query read timeout',
  'Too many connections',
  'connect ECONNREFUSED',
];

/**
 * True when an error means "the database cannot be reached or cannot take this now": the request
 * may succeed if sent again, so it is answered 503 with Retry-After rather than 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const candidate = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (
      typeof candidate.code === 'string' &&
      (UNAVAILABLE_CODES.has(candidate.code) || candidate.code.startsWith('08'))
    ) {
      return true;
    }
    if (
      typeof candidate.message === 'string' &&
      UNAVAILABLE_MESSAGES.some((m) => (candidate.message as string).includes(m))
    ) {
      return true;
    }
    e = candidate.driverError ?? candidate.cause;
  }
  return false;
}

/**
 * True when the database did not answer in time: the server's `statement_timeout` cancelled the statement (57014),
 * or the client gave up waiting (`query_timeout`, a second later). A kind of {@link isDatabaseUnavailable}.
 */
export function isDatabaseTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const candidate = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (
      candidate.code === '57014' ||
      (typeof candidate.message === 'string' && candidate.message.includes('Query read timeout'))
    ) {
      return true;
    }
    e = candidate.driverError ?? candidate.cause;
  }
  return false;
}

/**
 * SQLSTATEs of class 22 that a value sent by a client causes (text PostgreSQL cannot hold, a jsonb escape it
 * refuses): a 400, not a 500.
 */
const UNSTORABLE_VALUE_CODES = new Set([
  '22021', // character_not_in_repertoire (NUL, invalid UTF-8)
  '22P05', // untranslatable_character (jsonb \u0000, lone surrogates)
  '22P02', // invalid_text_representation
  '22001', // string_data_right_truncation
  '22003', // numeric_value_out_of_range
  '22007', // invalid_datetime_format
  '22008', // datetime_field_overflow
  '2201B', // invalid_regular_expression
  '22025', // invalid_escape_sequence
  '22030', // duplicate_json_object_key_value
  '22032', // invalid_json_text
]);

/** The SQLSTATE when a query failed on a value the database cannot store, else `undefined`. */
export function unstorableValueCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const candidate = e as { code?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && UNSTORABLE_VALUE_CODES.has(candidate.code)) {
      return candidate.code;
    }
    e = candidate.driverError ?? candidate.cause;
  }
  return undefined;
}
