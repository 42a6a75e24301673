/**
 * The time forms of `parseVendorTime` as one regular expression, for the OpenAPI document: what a client
 * generator or a contract-testing tool can check before sending. It spells out the ranges (month 01-12, day
 * 01-31 by month, hour 00-23, minute and second 00-59, offsets up to ±14:00), so it refuses almost all that
 * the service refuses; the one thing it lets through is 29 February of a common year, which the service
 * refuses too. It is never stricter than the service (a unit test holds the two together). Plain groups
 * only, no named ones: the document is read by tools in many languages.
 */
/** Month and day, `sep` between them: day 29 in every month, 30 but in February, 31 in the long months. */
const monthDay = (sep: string) =>
  `(?:(?:0[1-9]|1[0-2])${sep}(?:0[1-9]|1\\d|2[0-9])|(?:0[13-9]|1[0-2])${sep}30|(?:0[13578]|1[02])${sep}31)`;
const DAY_MONTH = '(?:(?:0[1-9]|1\\d|2[0-9])/(?:0[1-9]|1[0-2])|30/(?:0[13-9]|1[0-2])|31/(?:0[13578]|1[02]))';
const HOUR = '(?:[01]\\d|2[0-3])';
const SIXTY = '[0-5]\\d';
const TIME = `${HOUR}:${SIXTY}:${SIXTY}`;
const OFFSET = `(?:Z|[+-](?:(?:0\\d|1[0-3])(?::?${SIXTY})?|14(?::?00)?))`;

const FORMS = [
  // ISO 8601 (or with a space for the T), fraction and offset optional
  `\\d{4}-${monthDay('-')}[T ]${TIME}(?:\\.\\d{1,9})?${OFFSET}?`,
  `\\d{4}/${monthDay('/')} ${TIME}`,
  `${DAY_MONTH}/\\d{4} ${TIME}`,
  `\\d{4}${monthDay('')}${HOUR}${SIXTY}${SIXTY}`,
  `\\d{2}${monthDay('')}${HOUR}${SIXTY}${SIXTY}`,
  // SMPP YYMMDDhhmm or epoch seconds (any 10 digits are one or the other), epoch milliseconds
  '\\d{10}',
  '\\d{13}',
];

// `[0-9]`, not `\\d`: in some languages' regular expressions `\\d` matches other scripts' digits too.
const ALTERNATIVES = FORMS.join('|').replace(/\\d/g, '[0-9]');

/** Leading and trailing whitespace is ignored by the service. */
export const VENDOR_TIME_PATTERN = `^\\s*(?:${ALTERNATIVES})\\s*$`;

/** `responseTimeTelco` may also be empty (then it is stored as unknown). */
export const VENDOR_TIME_PATTERN_OR_EMPTY = `^\\s*(?:${ALTERNATIVES})?\\s*$`;

/** How to write a time, for the descriptions of the time fields in the OpenAPI document. */
export const TIME_FORMS_DOC =
  'Accepted forms: ISO 8601 `2025-05-01T17:15:30[.123][Z|+07:00]` (or with a space for the `T`), ' +
  '`2025/05/01 17:15:30`, `01/05/2025 17:15:30` (day first), `20250501171530`, the SMPP done dates ' +
  '`250501171530` and `2505011715`, Unix epoch seconds `1746094530` or milliseconds `1746094530123`. ' +
  '**Zone rule:** a time with `Z` or an offset is that instant; a time without one is wall-clock time in the ' +
  "service's CALLBACK_TIMEZONE (Asia/Ho_Chi_Minh, UTC+07:00, unless configured otherwise). Ten digits are " +
  'read as SMPP `YYMMDDhhmm` when that is a real date-time, else as epoch seconds (when both are real, the ' +
  'one nearer to now). Impossible times (`2025-02-30`, `25:61`, hour 24, second 60) are refused. The value is ' +
  'stored as sent; the answer also gives it as a UTC instant.';
