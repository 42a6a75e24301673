// Frozen: this file is the logic as migration 1764400000000 ran it (from the commit that added it). Never edit it;
// the service's own copy lives on under src/sms-callback.
import { DateTime, IANAZone } from 'luxon';

/**
 * The time forms vendors may send, one human-readable line each, for 400 error messages.
 * Every line ends with an example that `parseVendorTime` accepts (a unit test checks this).
 */
export const ACCEPTED_TIME_FORMATS: readonly string[] = Object.freeze([
  'ISO 8601 YYYY-MM-DDTHH:mm:ss[.fraction][Z|±HH:mm], e.g. 2025-05-01T17:15:30+07:00',
  'YYYY-MM-DD HH:mm:ss[.fraction][Z|±HH:mm], e.g. 2025-05-01 17:15:30.123',
  'YYYY/MM/DD HH:mm:ss, e.g. 2025/05/01 17:15:30',
  'DD/MM/YYYY HH:mm:ss, e.g. 01/05/2025 17:15:30',
  'YYYYMMDDHHmmss (14 digits), e.g. 20250501171530',
  'SMPP done date YYMMDDhhmmss (12 digits, year 20YY), e.g. 250501171530',
  'SMPP done date YYMMDDhhmm (10 digits, year 20YY), e.g. 2505011715',
  'Unix epoch seconds (10 digits), e.g. 1746094530',
  'Unix epoch milliseconds (13 digits), e.g. 1746094530123',
]);

/** Thrown by `parseVendorTime` when a value is not one of `ACCEPTED_TIME_FORMATS` or names an impossible time. */
export class VendorTimeError extends Error {
  override readonly name = 'VendorTimeError';

  constructor(
    /** The trimmed value as received (cut to 64 characters). */
    readonly value: string,
    /** Why it was refused: `unrecognised format` or what is out of range. */
    readonly reason: string,
  ) {
    super(`Invalid time ${JSON.stringify(value)}: ${reason}`);
  }
}

/** Options of `parseVendorTime`. */
export interface ParseVendorTimeOptions {
  /** Reference instant for reading 10-digit values (see `parseVendorTime`); defaults to the current time. */
  now?: Date;
}

/**
 * Whether `zone` is an IANA time zone name this runtime knows (`Asia/Ho_Chi_Minh`, `Europe/Berlin`, `UTC`).
 * Fixed offsets such as `+07:00` or `UTC+7` are not zone names and answer false.
 */
export function isValidTimeZone(zone: string): boolean {
  return typeof zone === 'string' && zone !== '' && IANAZone.isValidZone(zone);
}

/**
 * Parses a time as vendors send it in delivery callbacks into an instant.
 *
 * - Accepted forms: `ACCEPTED_TIME_FORMATS`. Leading and trailing whitespace is ignored.
 * - A value with `Z` or an offset (`+07:00`, `+0700`, `+07`) means that instant; a value without one is wall-clock
 *   time in `zone` (an IANA name such as `Asia/Ho_Chi_Minh`).
 * - Wall-clock times that a DST change makes ambiguous (Europe/Berlin 2025-10-26 02:30 happens twice) resolve to
 *   the earlier instant; times skipped by a DST change (Europe/Berlin 2025-03-30 02:30) move forward by the length
 *   of the gap (03:30 +02:00). This is what java.time and Temporal's `compatible` mode do: a vendor clock that
 *   ignored DST is off by an hour rather than its report refused.
 * - Fractions of a second beyond milliseconds are dropped (`.123456789` is `.123`).
 * - Impossible values are refused: 2025-02-30, 2023-02-29, 25:61, second 60, offset minutes above 59, offsets
 *   beyond ±14:00 (no zone has one). So is hour 24 (luxon reads `24:00:00` as midnight of the next day, as
 *   ISO 8601 allows): no vendor clock shows it, and it is refused the same way in every form.
 * - SMPP years `YY` are 20YY.
 * - 10 digits are either an SMPP `YYMMDDhhmm` done date or Unix epoch seconds. When they are not a valid
 *   `YYMMDDhhmm` they are epoch seconds; when they are both, the reading closer to `options.now` wins. A delivery
 *   report describes something that just happened, and the wrong reading is years away: `2505011715` is
 *   2025-05-01 17:15 as SMPP but 2049-05-19 as epoch, and `1803151230` is 2027-02-20 as epoch but 2018-03-15 as SMPP.
 *   (A fixed "SMPP first" rule would misread about 4% of epoch values from 2027-01-26 to 2027-06-06, and again in
 *   later windows.)
 *
 * @param raw the value from the vendor
 * @param zone IANA zone for values without an offset
 * @param options reference time for the 10-digit rule
 * @returns the instant
 * @throws VendorTimeError when `raw` is not an accepted form or names an impossible time
 * @throws RangeError when `zone` is not a valid IANA zone (a configuration error, not the vendor's)
 */
export function parseVendorTime(raw: string, zone: string, options: ParseVendorTimeOptions = {}): Date {
  if (!isValidTimeZone(zone)) {
    throw new RangeError(`Unknown IANA time zone ${JSON.stringify(zone)}`);
  }
  if (typeof raw !== 'string') {
    throw new VendorTimeError(String(raw), 'not a string');
  }
  const text = raw.trim();
  const now = (options.now ?? new Date()).getTime();
  for (const format of FORMATS) {
    const match = format.pattern.exec(text);
    if (match === null) {
      continue;
    }
    const parsed = format.read(text, zone, now);
    const problem = !parsed.isValid
      ? (parsed.invalidExplanation ?? parsed.invalidReason ?? 'invalid')
      : problemLuxonAccepts(match.groups ?? {}, parsed);
    if (problem !== undefined) {
      throw new VendorTimeError(shorten(text), problem);
    }
    return parsed.toJSDate();
  }
  throw new VendorTimeError(shorten(text), text === '' ? 'empty' : 'unrecognised format');
}

interface TimeFormat {
  /** Anchored; named groups `hour`, `offsetHours` and `offsetMinutes` where the text has them. */
  readonly pattern: RegExp;
  readonly read: (text: string, zone: string, now: number) => DateTime;
}

// The patterns only fix the shape (no two overlap); luxon checks the ranges and the calendar.
const FORMATS: readonly TimeFormat[] = [
  {
    // ISO 8601 with `T`, or the same with a space (SQL / RFC 3339 style); fraction and offset optional.
    pattern:
      /^\d{4}-\d{2}-\d{2}[T ](?<hour>\d{2}):\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-](?<offsetHours>\d{2})(?::?(?<offsetMinutes>\d{2}))?)?$/,
    read: (text, zone) => earliest(DateTime.fromISO(text.replace(' ', 'T'), { zone, setZone: true })),
  },
  {
    pattern: /^\d{4}\/\d{2}\/\d{2} (?<hour>\d{2}):\d{2}:\d{2}$/,
    read: (text, zone) => wallClock(text, 'yyyy/MM/dd HH:mm:ss', zone),
  },
  {
    // Day first, as in Vietnam; there is no month-first slash form.
    pattern: /^\d{2}\/\d{2}\/\d{4} (?<hour>\d{2}):\d{2}:\d{2}$/,
    read: (text, zone) => wallClock(text, 'dd/MM/yyyy HH:mm:ss', zone),
  },
  {
    pattern: /^\d{8}(?<hour>\d{2})\d{4}$/,
    read: (text, zone) => wallClock(text, 'yyyyMMddHHmmss', zone),
  },
  {
    pattern: /^\d{13}$/,
    read: (text) => DateTime.fromMillis(Number(text), { zone: 'utc' }),
  },
  {
    pattern: /^\d{6}(?<hour>\d{2})\d{4}$/,
    read: (text, zone) => wallClock(`20${text}`, 'yyyyMMddHHmmss', zone),
  },
  {
    // No `hour` group: an SMPP reading with hour 24 is not a valid SMPP date, so the value is epoch seconds.
    pattern: /^\d{10}$/,
    read: (text, zone, now) => {
      const epoch = DateTime.fromSeconds(Number(text), { zone: 'utc' });
      const smpp = wallClock(`20${text}`, 'yyyyMMddHHmm', zone);
      if (!smpp.isValid || text.slice(6, 8) === '24') {
        return epoch;
      }
      return Math.abs(smpp.toMillis() - now) <= Math.abs(epoch.toMillis() - now) ? smpp : epoch;
    },
  },
];

/** What luxon accepts but is refused here: hour 24 (see `parseVendorTime`) and offsets no zone has ever had. */
function problemLuxonAccepts(groups: Record<string, string | undefined>, parsed: DateTime): string | undefined {
  if (groups.hour === '24') {
    return 'hour 24 is not accepted (use 00 of the next day)';
  }
  if (groups.offsetMinutes !== undefined && Number(groups.offsetMinutes) > 59) {
    return 'offset minutes must be 00-59';
  }
  if (groups.offsetHours !== undefined && Math.abs(parsed.offset) > MAX_OFFSET_MINUTES) {
    return 'offset must be between -14:00 and +14:00';
  }
  return undefined;
}

/** Real UTC offsets lie between -12:00 and +14:00. */
const MAX_OFFSET_MINUTES = 14 * 60;

/** Wall-clock time in `zone`, read with a luxon format. */
function wallClock(text: string, format: string, zone: string): DateTime {
  return earliest(DateTime.fromFormat(text, format, { zone }));
}

/** Of the instants a wall-clock time can be (two in a DST overlap), the earliest; luxon alone picks the later. */
function earliest(dateTime: DateTime): DateTime {
  if (!dateTime.isValid) {
    return dateTime;
  }
  return dateTime.getPossibleOffsets().reduce((a, b) => (b.toMillis() < a.toMillis() ? b : a), dateTime);
}

function shorten(text: string): string {
  return text.length > 64 ? `${text.slice(0, 63)}…` : text;
}
