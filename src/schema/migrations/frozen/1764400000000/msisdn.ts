// Frozen: this file is the logic as migration 1764400000000 ran it (from the commit that added it). Never edit it;
// the service's own copy lives on under src/sms-callback.
import {
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js';
import metadata from 'libphonenumber-js/metadata.min.json';

/** Why `normalizeMsisdn` refused a value (the length reasons are libphonenumber-js's). */
export type MsisdnErrorReason = 'NOT_A_NUMBER' | 'INVALID_COUNTRY' | 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_LENGTH';

/** Thrown by `normalizeMsisdn` when a value cannot be a phone number. */
export class MsisdnError extends Error {
  override readonly name = 'MsisdnError';

  constructor(
    /** The trimmed value as received (cut to 64 characters). */
    readonly value: string,
    readonly reason: MsisdnErrorReason,
  ) {
    super(`Invalid msisdn ${JSON.stringify(value)}: ${REASON_TEXT[reason]}`);
  }
}

const REASON_TEXT: Record<MsisdnErrorReason, string> = {
  NOT_A_NUMBER: 'not a phone number',
  INVALID_COUNTRY: 'unknown country calling code',
  TOO_SHORT: 'too few digits',
  TOO_LONG: 'too many digits',
  INVALID_LENGTH: 'no number of this country has that many digits',
};

/** Whether `code` ("84", "1", "44") is the calling code of a country libphonenumber-js knows. */
export function isValidCallingCode(code: string): boolean {
  return regionOf(code) !== undefined;
}

/**
 * Normalises a phone number as vendors send it to international digits without `+` (E.164 without the plus):
 * `0912345678`, `+84 912 345 678`, `(+84) 912-345-678`, `0084912345678` and `84912345678` all give `84912345678`
 * when `defaultCountryCode` is "84".
 *
 * Plausibility is libphonenumber-js's "possible" check (the digit count fits the country), never its "valid" check
 * (the number range is assigned), so numbers in ranges newer than the library's metadata are still accepted.
 *
 * How a value is read (the default country is the main region of `defaultCountryCode` in libphonenumber-js's
 * metadata: "84" is VN, "1" is US, "44" is GB):
 * 1. Spaces, dots, dashes and parentheses are dropped; anything else but ASCII digits and one leading `+` is refused
 *    (letters, `/`, `ext.`, `tel:`).
 * 2. With `+`: international (`+6591234567` gives `6591234567`).
 * 3. Digits that start with the default country's calling code and are a possible number when read as
 *    international are international: `84912345678` gives `84912345678`. If the digits are also a possible
 *    national number, the national reading wins only when it is a valid number and the international one is not
 *    (validity only breaks this tie, it never refuses a number): `842345678` (VinaPhone 084 234 5678 without its 0)
 *    gives `84842345678`, not the 7-digit `842345678`.
 * 4. Otherwise the digits are a national number of the default country, as a local caller would dial them; the
 *    library strips the trunk prefix (`0912345678`) and the international call prefix (`0084…`, `00659…`).
 *    Without a trunk prefix they are still national: `912345678` gives `84912345678`, and `6591234567` gives
 *    `846591234567`, because ten digits are a possible Vietnamese number: a foreign number must come with `+` or
 *    `00` ...
 * 5. ... unless it is too long or too short to be national and starts with another country's calling code:
 *    `14155552671` gives `14155552671`.
 *
 * @param raw the value from the vendor
 * @param defaultCountryCode calling code of the country of national numbers, digits only ("84")
 * @returns international digits without `+`, e.g. `84912345678`
 * @throws MsisdnError when `raw` cannot be a phone number (letters, too few or too many digits, unknown code)
 * @throws RangeError when `defaultCountryCode` is not a country calling code (a configuration error)
 */
export function normalizeMsisdn(raw: string, defaultCountryCode: string): string {
  const region = regionOf(defaultCountryCode);
  if (region === undefined) {
    throw new RangeError(`Unknown country calling code ${JSON.stringify(defaultCountryCode)}`);
  }
  if (typeof raw !== 'string') {
    throw new MsisdnError(String(raw), 'NOT_A_NUMBER');
  }
  const text = raw.trim();
  const compact = text.replace(/[\s().-]/g, '');
  const fail = (reason: MsisdnErrorReason | undefined): never => {
    throw new MsisdnError(text.length > 64 ? `${text.slice(0, 63)}…` : text, reason ?? 'INVALID_LENGTH');
  };
  if (!/^\+?\d+$/.test(compact)) {
    return fail('NOT_A_NUMBER');
  }

  if (compact.startsWith('+')) {
    const international = parsePhoneNumberFromString(compact);
    return international?.isPossible() ? digitsOf(international) : fail(validatePhoneNumberLength(compact));
  }

  const national = parsePhoneNumberFromString(compact, region);
  // No calling code starts with 0: digits starting with 0 are only read nationally (trunk prefix 0, call prefix 00,
  // or, as in Italy, a 0 that belongs to the number).
  const international = compact.startsWith('0') ? undefined : parsePhoneNumberFromString(`+${compact}`);
  if (international?.countryCallingCode === defaultCountryCode && international.isPossible()) {
    const nationalWins =
      national !== undefined && national.isPossible() && national.isValid() && !international.isValid();
    return digitsOf(nationalWins ? national : international);
  }
  if (national?.isPossible()) {
    return digitsOf(national);
  }
  if (international?.isPossible()) {
    return digitsOf(international);
  }
  return fail(validatePhoneNumberLength(compact, region));
}

function digitsOf(phone: PhoneNumber): string {
  return `${phone.countryCallingCode}${phone.nationalNumber}`;
}

const callingCodeRegions: Readonly<Record<string, readonly string[] | undefined>> = metadata.country_calling_codes;
const regions = new Map<string, CountryCode | undefined>();

/** The main region of a calling code: the first one metadata lists for it (US for "1", GB for "44"). */
function regionOf(code: string): CountryCode | undefined {
  if (typeof code !== 'string' || !/^\d{1,3}$/.test(code)) {
    return undefined;
  }
  if (!regions.has(code)) {
    const listed: readonly string[] = callingCodeRegions[code] ?? [];
    // A lambda, not `find(isSupportedCountry)`: the CommonJS build appends its metadata to the arguments it is given.
    const region = listed.find((listedRegion) => isSupportedCountry(listedRegion));
    regions.set(code, region !== undefined && getCountryCallingCode(region) === code ? region : undefined);
  }
  return regions.get(code);
}
