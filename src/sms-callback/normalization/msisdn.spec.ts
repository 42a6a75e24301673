import { isValidCallingCode, MSISDN_PATTERN, MsisdnError, normalizeMsisdn, type MsisdnErrorReason } from './msisdn';

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('normalizeMsisdn', () => {
  describe('with default country code 84 (Vietnam)', () => {
    it.each([
      ['national with trunk prefix 0', '0912345678'],
      ['international, spaced', '+84 912 345 678'],
      ['international without +', '84912345678'],
      ['parenthesised code and dashes', '(+84) 912-345-678'],
      ['international call prefix 00', '0084912345678'],
      ['E.164', '+84912345678'],
      ['national without trunk prefix', '912345678'],
      ['dots and surrounding whitespace', ' 0912.345.678\t'],
      ['national, spaced', '091 234 5678'],
    ])('should read %s (%j) as 84912345678', (_form, raw) => {
      expect(normalizeMsisdn(raw, '84')).toBe('84912345678');
    });

    it.each([
      ['a Singapore number with +', '+6591234567', '6591234567'],
      ['a US number with + and spaces', '+1 415 555 2671', '14155552671'],
      ['a UK number with +', '+44 7911 123456', '447911123456'],
      ['a Singapore number with 00', '006591234567', '6591234567'],
      ['a Hanoi landline (10-digit national number)', '024 1234 5678', '842412345678'],
      ['a Hanoi landline with +84', '+84 24 1234 5678', '842412345678'],
      ['a possible but unassigned range (04x): possible, not valid, is enough', '0412345678', '84412345678'],
      ['the same range with +84', '+84412345678', '84412345678'],
    ])('should accept %s: %j gives %j', (_what, raw, expected) => {
      expect(normalizeMsisdn(raw, '84')).toBe(expected);
    });

    describe('digits without + or trunk prefix', () => {
      it('should read digits starting with 84 and a possible national number as international (84912345678)', () => {
        expect(normalizeMsisdn('84912345678', '84')).toBe('84912345678');
      });

      it('should read 84 + a possible 8-digit number as international when neither reading is a valid number', () => {
        expect(normalizeMsisdn('8491234567', '84')).toBe('8491234567');
      });

      it('should read 842345678 as the valid national 0842 345 678, not the invalid 7-digit +84 2345678', () => {
        expect(normalizeMsisdn('842345678', '84')).toBe('84842345678');
      });

      it('should read 9 digits not starting with 84 as a national number (912345678 gives 84912345678)', () => {
        expect(normalizeMsisdn('912345678', '84')).toBe('84912345678');
      });

      it('should read 6591234567 as a 10-digit Vietnamese number: a foreign number needs + or 00', () => {
        expect(normalizeMsisdn('6591234567', '84')).toBe('846591234567');
      });

      it.each([
        ['14155552671', '14155552671'],
        ['447911123456', '447911123456'],
      ])('should read %j, too long to be national, as international %j', (raw, expected) => {
        expect(normalizeMsisdn(raw, '84')).toBe(expected);
      });
    });
  });

  describe('with other default country codes', () => {
    it.each([
      ['1', '(415) 555-2671', '14155552671'],
      ['1', '415-555-2671', '14155552671'],
      ['1', '1 415 555 2671', '14155552671'],
      ['1', '+84 912 345 678', '84912345678'],
      ['65', '9123 4567', '6591234567'],
      ['65', '6591234567', '6591234567'],
      ['44', '07911 123456', '447911123456'],
      ['44', '447911123456', '447911123456'],
      ['7', '8 912 345-67-89', '79123456789'],
    ])('should read, with default %j, %j as %j', (code, raw, expected) => {
      expect(normalizeMsisdn(raw, code)).toBe(expected);
    });
  });

  describe('refused values', () => {
    it.each<[string, string, MsisdnErrorReason]>([
      ['empty', '', 'NOT_A_NUMBER'],
      ['only whitespace', '   ', 'NOT_A_NUMBER'],
      ['only +', '+', 'NOT_A_NUMBER'],
      ['letters', 'abc', 'NOT_A_NUMBER'],
      ['letters among digits', '0912abc678', 'NOT_A_NUMBER'],
      ['a vanity number', '1-800-FLOWERS', 'NOT_A_NUMBER'],
      ['an extension', '0912345678 ext 12', 'NOT_A_NUMBER'],
      ['a + in the middle', '84+912345678', 'NOT_A_NUMBER'],
      ['two +', '++84912345678', 'NOT_A_NUMBER'],
      ['slashes', '0912/345/678', 'NOT_A_NUMBER'],
      ['a tel: URI', 'tel:+84912345678', 'NOT_A_NUMBER'],
      ['full-width or other non-ASCII characters', '０９１２３４５６７８', 'NOT_A_NUMBER'],
      ['one digit', '0', 'TOO_SHORT'],
      ['too few digits (national)', '0912', 'TOO_SHORT'],
      ['too few digits (bare)', '12345', 'TOO_SHORT'],
      ['too few digits (international)', '+84 123', 'TOO_SHORT'],
      ['too many digits (national)', '0912345678901234', 'TOO_LONG'],
      ['too many digits (international)', '+849123456789012', 'TOO_LONG'],
      ['too many digits after 00', '00849123456789012', 'TOO_LONG'],
      ['an unknown calling code', '+999123456789', 'INVALID_COUNTRY'],
      ['a calling code starting with 0', '+0912345678', 'INVALID_COUNTRY'],
    ])('should throw MsisdnError for %s (%j) with reason %s', (_why, raw, reason) => {
      const error = errorOf(() => normalizeMsisdn(raw, '84'));
      expect(error).toBeInstanceOf(MsisdnError);
      expect(error).toMatchObject({ name: 'MsisdnError', reason, value: raw.trim() });
    });

    it('should say why in the message', () => {
      expect(() => normalizeMsisdn('0912', '84')).toThrow('Invalid msisdn "0912": too few digits');
    });

    it('should cut a long value to 64 characters in the error', () => {
      const error = errorOf(() => normalizeMsisdn('9'.repeat(10_000), '84')) as MsisdnError;
      expect(error).toBeInstanceOf(MsisdnError);
      expect(error.value).toHaveLength(64);
    });

    it('should throw MsisdnError for a value that is not a string', () => {
      expect(() => normalizeMsisdn(84912345678 as unknown as string, '84')).toThrow(MsisdnError);
    });

    it.each(['999', '', '+84', ' 84', '084', 'VN', '800'])(
      'should throw RangeError, not MsisdnError, for the default country code %j',
      (code) => {
        const error = errorOf(() => normalizeMsisdn('0912345678', code));
        expect(error).toBeInstanceOf(RangeError);
        expect(error).not.toBeInstanceOf(MsisdnError);
      },
    );
  });
});

describe('isValidCallingCode', () => {
  it.each([
    ['84', true],
    ['1', true],
    ['44', true],
    ['7', true],
    ['65', true],
    ['999', false],
    ['800', false],
    ['', false],
    ['+84', false],
    ['084', false],
    ['VN', false],
  ])('should answer %j with %s', (code, expected) => {
    expect(isValidCallingCode(code)).toBe(expected);
  });
});

describe('MSISDN_PATTERN (the characters of msisdn in the OpenAPI document)', () => {
  const pattern = new RegExp(MSISDN_PATTERN);
  const CHARACTERS = '0123456789012345678901234567890123456789 +().-a/';

  it('should match every value normalizeMsisdn reads', () => {
    let seed = 7;
    const next = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    let read = 0;
    for (let i = 0; i < 20_000; i++) {
      const raw = Array.from({ length: 1 + next(16) }, () => CHARACTERS[next(CHARACTERS.length)]).join('');
      let normalized: string | undefined;
      try {
        normalized = normalizeMsisdn(raw, '84');
      } catch (err) {
        expect(err).toBeInstanceOf(MsisdnError);
      }
      if (normalized !== undefined) {
        read++;
        expect(raw).toMatch(pattern);
      } else if (!pattern.test(raw)) {
        expect(raw.replace(/[\s().-]/g, '')).not.toMatch(/^\+?\d+$/);
      }
    }
    expect(read).toBeGreaterThan(500);
  });

  it.each(['84912345678', '+84 912 345 678', '(+84) 912-345-678', '0912.345.678'])('should match %j', (raw) => {
    expect(raw).toMatch(pattern);
  });

  it.each(['', 'abc', '84-91a', '849+12', '+', 'tel:+84912345678'])('should not match %j', (raw) => {
    expect(raw).not.toMatch(pattern);
  });
});
