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

/** True when the text holds an API key or a bearer credential, as written or percent-encoded. */
export function holdsSecret(text: string): boolean {
  return redactText(text) !== text || /smscb(_|%5f)/i.test(text);
}

/**
 * A URL (path and query, as `req.originalUrl`) fit for a log line: the value of every query parameter with
 * a secret's name (`?apiKey=`, `?API-KEY=`, `?access_token=`, `?password=`...) replaced, and any API key or
 * bearer credential in the path or another parameter (as written or percent-encoded) replaced.
 */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question === -1) {
    return redactEncoded(url);
  }
  const query = url
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals !== -1 && isSecretName(decoded(pair.slice(0, equals)))) {
        return `${pair.slice(0, equals)}=${REDACTED}`;
      }
      return redactEncoded(pair);
    });
  return `${redactEncoded(url.slice(0, question))}?${query.join('&')}`;
}

/** The text, or (when it holds a secret) its decoded form with the secret replaced. */
function redactEncoded(text: string): string {
  if (!text.includes('%') && !text.includes('+')) {
    return redactText(text);
  }
  const plain = decoded(text);
  const redacted = redactText(plain);
  return redacted === plain && !/smscb_/i.test(plain) ? text : redacted.replace(/smscb_\S*/gi, `smscb_${REDACTED}`);
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
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
