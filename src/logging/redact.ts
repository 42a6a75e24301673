/** What a secret is replaced with in the logs. */
export const REDACTED = '[Redacted]';

/**
 * Names of fields (headers, body properties, anything logged) whose value is a secret: `API-KEY`,
 * `ADMIN-API-KEY`, `apiKey`, `x-api-key`, `key`, `authorization`, `cookie`, `password`, `secret`, `token`...
 */
const SECRET_NAME = /^key$|api[-_]?key$|authorization$|cookie$|password$|passwd$|secret$|token$/i;

/** An API key of this service (`smscb_` + 43 characters; its shown prefix of 8 is no secret) or a bearer credential. */
const SECRET_TEXT = /\b(smscb_)[A-Za-z0-9_-]{20,}|\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g;

const MAX_DEPTH = 10;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The text with every API key and bearer credential in it replaced. */
export function redactText(text: string): string {
  return text.replace(SECRET_TEXT, (_match, keyPrefix: string | undefined, bearer: string | undefined) =>
    keyPrefix ? `${keyPrefix}${REDACTED}` : `${bearer}${REDACTED}`,
  );
}

/**
 * A copy of a value about to be logged with its secrets replaced: fields with a secret's name (at any
 * depth, in any case) and API keys inside any text. Errors become plain `{ type, message, stack }`
 * objects. The original is never modified.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return redactText(value);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (depth >= MAX_DEPTH) {
    return '[Truncated]';
  }
  if (value instanceof Error) {
    const error: Record<string, unknown> = { type: value.name, message: redactText(value.message) };
    if (value.stack) {
      error.stack = redactText(value.stack);
    }
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) {
      error.code = code;
    }
    return error;
  }
  if (Array.isArray(value)) {
    return value.map((item) => redact(item, depth + 1));
  }
  if (Buffer.isBuffer(value)) {
    return `[${value.length} bytes]`;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) {
    // Dates, Maps, class instances...: their own serialisation (toJSON) applies.
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    copy[name] = isSecretName(name) && field !== undefined && field !== null ? REDACTED : redact(field, depth + 1);
  }
  return copy;
}
