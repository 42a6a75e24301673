import fc from 'fast-check';
import { DateTime } from 'luxon';

import { ACCEPTED_TIME_FORMATS, isValidTimeZone, parseVendorTime, VendorTimeError } from './vendor-time';

const HCM = 'Asia/Ho_Chi_Minh';
const BERLIN = 'Europe/Berlin';

/** Parses and answers the instant as an ISO string in UTC, so a failed expectation shows both instants readably. */
function utc(raw: string, zone = HCM, now?: string): string {
  return parseVendorTime(raw, zone, now === undefined ? {} : { now: new Date(now) }).toISOString();
}

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('parseVendorTime', () => {
  describe('accepted forms (zone Asia/Ho_Chi_Minh, UTC+7)', () => {
    it.each([
      // ISO 8601
      ['ISO with Z', '2025-05-01T10:15:30Z', '2025-05-01T10:15:30.000Z'],
      ['ISO with +07:00', '2025-05-01T17:15:30+07:00', '2025-05-01T10:15:30.000Z'],
      ['ISO with +0700', '2025-05-01T17:15:30+0700', '2025-05-01T10:15:30.000Z'],
      ['ISO with +07', '2025-05-01T17:15:30+07', '2025-05-01T10:15:30.000Z'],
      ['ISO with a negative offset', '2025-05-01T05:15:30-05:00', '2025-05-01T10:15:30.000Z'],
      ['ISO with -00:00', '2025-05-01T10:15:30-00:00', '2025-05-01T10:15:30.000Z'],
      ['ISO with fraction, no offset', '2025-05-01T10:15:30.123', '2025-05-01T03:15:30.123Z'],
      ['ISO with fraction and Z', '2025-05-01T10:15:30.123Z', '2025-05-01T10:15:30.123Z'],
      ['ISO with a one-digit fraction', '2025-05-01T10:15:30.5Z', '2025-05-01T10:15:30.500Z'],
      ['ISO with nanoseconds (cut to ms)', '2025-05-01T10:15:30.123456789Z', '2025-05-01T10:15:30.123Z'],
      ['ISO without offset', '2025-05-01T17:15:30', '2025-05-01T10:15:30.000Z'],
      // YYYY-MM-DD HH:mm:ss[.SSS]
      ['YYYY-MM-DD HH:mm:ss', '2025-05-01 17:15:30', '2025-05-01T10:15:30.000Z'],
      ['YYYY-MM-DD HH:mm:ss.SSS', '2025-05-01 17:15:30.123', '2025-05-01T10:15:30.123Z'],
      ['YYYY-MM-DD HH:mm:ss.S', '2025-05-01 17:15:30.1', '2025-05-01T10:15:30.100Z'],
      ['YYYY-MM-DD HH:mm:ss with +07:00', '2025-05-01 17:15:30+07:00', '2025-05-01T10:15:30.000Z'],
      ['YYYY-MM-DD HH:mm:ss with Z', '2025-05-01 10:15:30Z', '2025-05-01T10:15:30.000Z'],
      // others
      ['YYYY/MM/DD HH:mm:ss', '2025/05/01 17:15:30', '2025-05-01T10:15:30.000Z'],
      ['DD/MM/YYYY HH:mm:ss (day first)', '01/05/2025 17:15:30', '2025-05-01T10:15:30.000Z'],
      ['DD/MM/YYYY HH:mm:ss with day > 12', '31/12/2025 23:59:59', '2025-12-31T16:59:59.000Z'],
      ['YYYYMMDDHHmmss', '20250501171530', '2025-05-01T10:15:30.000Z'],
      ['SMPP YYMMDDhhmmss (20YY)', '250501171530', '2025-05-01T10:15:30.000Z'],
      ['SMPP YYMMDDhhmm (20YY)', '2505011715', '2025-05-01T10:15:00.000Z'],
      ['SMPP YYMMDDhhmm at midnight', '2505010000', '2025-04-30T17:00:00.000Z'],
      ['epoch seconds', '1746094530', '2025-05-01T10:15:30.000Z'],
      ['epoch milliseconds', '1746094530123', '2025-05-01T10:15:30.123Z'],
      ['surrounding whitespace (trimmed)', ' \t2025-05-01T10:15:30Z \n', '2025-05-01T10:15:30.000Z'],
    ])('should accept %s: %j is %s', (_form, raw, expected) => {
      expect(utc(raw)).toBe(expected);
    });

    it('should list, in ACCEPTED_TIME_FORMATS, only examples that parse to 2025-05-01 17:15 in Asia/Ho_Chi_Minh', () => {
      expect(ACCEPTED_TIME_FORMATS.length).toBeGreaterThanOrEqual(9);
      for (const line of ACCEPTED_TIME_FORMATS) {
        const example = /, e\.g\. (.+)$/.exec(line)?.[1];
        expect(example).toBeDefined();
        expect(utc(example ?? '')).toMatch(/^2025-05-01T10:15:(00|30)/);
      }
    });

    it('should read every wall-clock form of the same local time as the same instant (property)', () => {
      const forms = ['yyyy-MM-dd HH:mm:ss', "yyyy-MM-dd'T'HH:mm:ss", 'yyyy/MM/dd HH:mm:ss', 'dd/MM/yyyy HH:mm:ss'];
      const smppForms = ['yyyyMMddHHmmss', 'yyMMddHHmmss'];
      fc.assert(
        fc.property(
          fc.date({
            min: new Date('2000-01-01T00:00:00Z'),
            max: new Date('2099-12-31T16:59:59Z'), // 23:59:59 in Asia/Ho_Chi_Minh: SMPP years are 2000-2099
            noInvalidDate: true,
          }),
          (date) => {
            const local = DateTime.fromJSDate(date, { zone: HCM }).startOf('second');
            for (const form of [...forms, ...smppForms]) {
              expect(parseVendorTime(local.toFormat(form), HCM).getTime()).toBe(local.toMillis());
            }
            expect(parseVendorTime(local.toISO() ?? '', BERLIN).getTime()).toBe(local.toMillis());
          },
        ),
      );
    });
  });

  describe('time zone rule', () => {
    it('should read a zone-less time in Asia/Ho_Chi_Minh as UTC+7', () => {
      expect(utc('2025-05-01 17:15:30', HCM)).toBe('2025-05-01T10:15:30.000Z');
    });

    it('should read the same zone-less time in UTC as UTC', () => {
      expect(utc('2025-05-01 17:15:30', 'UTC')).toBe('2025-05-01T17:15:30.000Z');
    });

    it.each([HCM, 'UTC', BERLIN, 'America/New_York'])('should let an explicit offset win over the zone %s', (zone) => {
      expect(utc('2025-05-01T17:15:30+07:00', zone)).toBe('2025-05-01T10:15:30.000Z');
      expect(utc('2025-05-01T10:15:30Z', zone)).toBe('2025-05-01T10:15:30.000Z');
    });

    it.each([HCM, BERLIN])('should not apply the zone %s to epoch values', (zone) => {
      expect(utc('1746094530', zone)).toBe('2025-05-01T10:15:30.000Z');
      expect(utc('1746094530123', zone)).toBe('2025-05-01T10:15:30.123Z');
    });

    it.each([
      ['SMPP YYMMDDhhmm', '2505011715', '2025-05-01T15:15:00.000Z'],
      ['SMPP YYMMDDhhmmss', '250501171530', '2025-05-01T15:15:30.000Z'],
      ['YYYYMMDDHHmmss', '20250501171530', '2025-05-01T15:15:30.000Z'],
      ['DD/MM/YYYY', '01/05/2025 17:15:30', '2025-05-01T15:15:30.000Z'],
      ['YYYY/MM/DD', '2025/05/01 17:15:30', '2025-05-01T15:15:30.000Z'],
    ])('should read %s in the given zone (Europe/Berlin in May is UTC+2)', (_form, raw, expected) => {
      expect(utc(raw, BERLIN, '2025-05-01T15:00:00Z')).toBe(expected);
    });

    it.each([
      ['January', '2025-01-15 12:00:00', '2025-01-15T05:00:00.000Z'],
      ['July', '2025-07-15 12:00:00', '2025-07-15T05:00:00.000Z'],
      ['the European DST start', '2025-03-30 02:30:00', '2025-03-29T19:30:00.000Z'],
      ['the European DST end', '2025-10-26 02:30:00', '2025-10-25T19:30:00.000Z'],
    ])('should read Asia/Ho_Chi_Minh (no DST) as UTC+7 in %s', (_when, raw, expected) => {
      expect(utc(raw, HCM)).toBe(expected);
    });

    it.each([
      ['winter time (UTC+1)', '2025-01-15 12:00:00', '2025-01-15T11:00:00.000Z'],
      ['summer time (UTC+2)', '2025-07-15 12:00:00', '2025-07-15T10:00:00.000Z'],
      ['the last second before the spring gap', '2025-03-30 01:59:59', '2025-03-30T00:59:59.000Z'],
      ['the end of the spring gap', '2025-03-30 03:00:00', '2025-03-30T01:00:00.000Z'],
      [
        'a time in the spring gap, moved forward one hour (03:30 +02:00)',
        '2025-03-30 02:30:00',
        '2025-03-30T01:30:00.000Z',
      ],
      [
        'a time in the autumn overlap, as its earlier instant (+02:00)',
        '2025-10-26 02:30:00',
        '2025-10-26T00:30:00.000Z',
      ],
      ['the overlap with an explicit later offset', '2025-10-26T02:30:00+01:00', '2025-10-26T01:30:00.000Z'],
      ['the first time after the overlap', '2025-10-26 03:00:00', '2025-10-26T02:00:00.000Z'],
    ])('should read Europe/Berlin %s', (_when, raw, expected) => {
      expect(utc(raw, BERLIN)).toBe(expected);
    });

    it.each(['Mars/Olympus', '', '+07:00', 'UTC+7'])(
      'should throw RangeError, not VendorTimeError, for zone %j',
      (zone) => {
        const error = errorOf(() => parseVendorTime('2025-05-01T10:15:30Z', zone));
        expect(error).toBeInstanceOf(RangeError);
        expect(error).not.toBeInstanceOf(VendorTimeError);
      },
    );
  });

  describe('leap days', () => {
    it.each([
      ['2024-02-29 12:00:00', '2024-02-29T05:00:00.000Z'],
      ['2024-02-29T12:00:00+07:00', '2024-02-29T05:00:00.000Z'],
      ['2024/02/29 12:00:00', '2024-02-29T05:00:00.000Z'],
      ['29/02/2024 12:00:00', '2024-02-29T05:00:00.000Z'],
      ['20240229120000', '2024-02-29T05:00:00.000Z'],
      ['240229120000', '2024-02-29T05:00:00.000Z'],
      ['2000-02-29 12:00:00', '2000-02-29T05:00:00.000Z'],
    ])('should accept 29 February of a leap year: %j', (raw, expected) => {
      expect(utc(raw)).toBe(expected);
    });

    it('should accept 29 February of a leap year as SMPP YYMMDDhhmm', () => {
      expect(utc('2402291200', HCM, '2024-02-29T06:00:00Z')).toBe('2024-02-29T05:00:00.000Z');
    });

    it.each([
      '2023-02-29 12:00:00',
      '2023-02-29T12:00:00Z',
      '2023/02/29 12:00:00',
      '29/02/2023 12:00:00',
      '20230229120000',
      '230229120000',
      '2100-02-29 12:00:00',
    ])('should refuse 29 February of a common year: %j', (raw) => {
      expect(() => utc(raw)).toThrow(VendorTimeError);
    });
  });

  describe('10 digits: SMPP YYMMDDhhmm or epoch seconds', () => {
    it('should read a valid YYMMDDhhmm near the reference time as SMPP (2505011715 is 2025-05-01 17:15, not 2049)', () => {
      expect(utc('2505011715', HCM, '2025-05-01T10:20:00Z')).toBe('2025-05-01T10:15:00.000Z');
    });

    it('should read a valid YYMMDDhhmm as SMPP when no reference time is given (the current time is used)', () => {
      expect(utc('2505011715')).toBe('2025-05-01T10:15:00.000Z');
    });

    it('should read digits that are not a valid YYMMDDhhmm (month 46) as epoch seconds whatever the reference time', () => {
      expect(utc('1746094530', HCM, '2017-01-01T00:00:00Z')).toBe('2025-05-01T10:15:30.000Z');
      expect(utc('1746094530', HCM, '2025-05-01T10:20:00Z')).toBe('2025-05-01T10:15:30.000Z');
    });

    it('should read 1803151230 as epoch seconds (2027-02-20) when the reference time is in 2027', () => {
      expect(utc('1803151230', HCM, '2027-02-20T19:21:00Z')).toBe('2027-02-20T19:20:30.000Z');
    });

    it('should read 1803151230 as SMPP (2018-03-15 12:30 local) when the reference time is in 2018', () => {
      expect(utc('1803151230', HCM, '2018-03-15T06:00:00Z')).toBe('2018-03-15T05:30:00.000Z');
    });

    it.each([
      ['day 30 of February', '2302291200', '2042-12-15T21:20:00.000Z'],
      ['hour 24', '2505012400', '2049-05-19T04:46:40.000Z'],
      ['minute 60', '2505011760', '2049-05-19T04:36:00.000Z'],
    ])('should read digits that are not a valid YYMMDDhhmm (%s) as epoch seconds', (_why, raw, expected) => {
      expect(utc(raw, HCM, '2025-05-01T10:20:00Z')).toBe(expected);
    });
  });

  describe('refused values', () => {
    it.each([
      ['empty', ''],
      ['only whitespace', '  \t '],
      ['garbage', 'garbage'],
      ['a sentence', 'yesterday at noon'],
      ['day 30 of February', '2025-02-30 10:00:00'],
      ['hour 25 and minute 61', '2025-05-01 25:61:00'],
      ['minute 61', '2025-05-01 10:61:00'],
      ['second 60', '2025-05-01 10:15:60'],
      ['month 13', '2025-13-01T10:15:30'],
      ['day 00', '2025-05-00T10:15:30'],
      ['hour 24 (ISO end of day)', '2025-05-01T24:00:00'],
      ['hour 24 in YYYYMMDDHHmmss', '20250501240000'],
      ['hour 24 in SMPP YYMMDDhhmmss', '250501240000'],
      ['offset +25:00', '2025-05-01T10:15:30+25:00'],
      ['offset beyond +14:00', '2025-05-01T10:15:30+15:00'],
      ['offset minutes 99', '2025-05-01T10:15:30+07:99'],
      ['a date without a time', '2025-05-01'],
      ['a time without a date', '10:15:30'],
      ['ISO without seconds', '2025-05-01T10:15'],
      ['an ISO week date', '2025-W18-4T10:15:30'],
      ['unpadded slash date', '2025/5/1 10:15:30'],
      ['month-first slash date (month 31)', '12/31/2025 10:15:30'],
      ['DD/MM/YYYY with a fraction', '01/05/2025 17:15:30.123'],
      ['day 32 in DD/MM/YYYY', '32/05/2025 10:15:30'],
      ['impossible YYYYMMDDHHmmss', '20250230101530'],
      ['impossible SMPP YYMMDDhhmmss', '250230101530'],
      ['9 digits', '174609453'],
      ['11 digits', '17460945301'],
      ['15 digits', '174609453012345'],
      ['negative epoch', '-1746094530'],
      ['fractional epoch seconds', '1746094530.5'],
      ['a zone name suffix', '2025-05-01 10:15:30 Asia/Ho_Chi_Minh'],
      ['two spaces', '2025-05-01  10:15:30'],
    ])('should throw VendorTimeError for %s: %j', (_why, raw) => {
      const error = errorOf(() => parseVendorTime(raw, HCM));
      expect(error).toBeInstanceOf(VendorTimeError);
      expect((error as VendorTimeError).value).toBe(raw.trim());
    });

    it('should say why in the message: what is out of range', () => {
      expect(() => parseVendorTime('2025-02-30 10:00:00', HCM)).toThrow(/Invalid time "2025-02-30 10:00:00": .*day/);
    });

    it('should say "unrecognised format" for garbage and "empty" for an empty value', () => {
      expect(() => parseVendorTime('garbage', HCM)).toThrow('Invalid time "garbage": unrecognised format');
      expect(() => parseVendorTime(' ', HCM)).toThrow('Invalid time "": empty');
    });

    it('should cut a long value to 64 characters in the error', () => {
      const error = errorOf(() => parseVendorTime('x'.repeat(10_000), HCM)) as VendorTimeError;
      expect(error.value).toHaveLength(64);
      expect(error.name).toBe('VendorTimeError');
    });

    it('should throw VendorTimeError for a value that is not a string', () => {
      expect(() => parseVendorTime(1746094530 as unknown as string, HCM)).toThrow(VendorTimeError);
    });
  });
});

describe('isValidTimeZone', () => {
  it.each([
    ['Asia/Ho_Chi_Minh', true],
    ['Europe/Berlin', true],
    ['UTC', true],
    ['Etc/GMT-7', true],
    ['', false],
    ['Mars/Olympus', false],
    ['+07:00', false],
    ['UTC+7', false],
    ['local', false],
  ])('should answer %j with %s', (zone, expected) => {
    expect(isValidTimeZone(zone)).toBe(expected);
  });
});
