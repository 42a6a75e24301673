import { HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import type { FieldErrors } from '../common/envelope';
import { MsisdnError, normalizeMsisdn } from './normalization/msisdn';
import { parseVendorTime, VendorTimeError } from './normalization/vendor-time';
import { SmsCallbackOptions } from './sms-callback.options';

/** What the service stores next to the values as sent. */
export interface NormalizedCallback {
  msisdn: string;
  sendTime: Date;
  responseTimeTelco: Date | null;
}

/** The values to read, as sent (already checked to be strings within their lengths). */
export interface CallbackValuesToRead {
  msisdn?: string;
  sendTime?: string;
  responseTimeTelco?: string | null;
}

const TIME_FORMS =
  'YYYY-MM-DD HH:mm:ss[.SSS], ISO 8601 with Z or an offset, YYYY/MM/DD HH:mm:ss, DD/MM/YYYY HH:mm:ss, ' +
  'YYYYMMDDHHmmss, SMPP YYMMDDhhmm[ss], epoch seconds or milliseconds';

/**
 * Reads a callback's phone number and times the way the platform means them: the number in international
 * digits (`defaultCountryCode` for national forms), the times as instants (`timezone` for times
 * written without a zone). Each value is read once; one that cannot be read gets a short message saying
 * what was wrong and what is accepted.
 */
@Injectable()
export class CallbackNormalizer {
  private readonly zone: string;
  private readonly countryCode: string;

  constructor(options: SmsCallbackOptions) {
    this.zone = options.timezone;
    this.countryCode = options.defaultCountryCode;
  }

  /**
   * Reads the values given (a missing one is skipped); a value that cannot be read adds its field to
   * `errors` and is missing from the result. An empty or null `responseTimeTelco` is read as null.
   */
  read(values: CallbackValuesToRead, errors: FieldErrors): Partial<NormalizedCallback> {
    const read: Partial<NormalizedCallback> = {};
    if (values.msisdn !== undefined) {
      read.msisdn = this.tryMsisdn(values.msisdn, 'msisdn', errors);
    }
    if (values.sendTime !== undefined) {
      read.sendTime = this.tryTime(values.sendTime, 'sendTime', errors);
    }
    if (values.responseTimeTelco !== undefined) {
      read.responseTimeTelco = values.responseTimeTelco
        ? this.tryTime(values.responseTimeTelco, 'responseTimeTelco', errors)
        : null;
    }
    return read;
  }

  /** A phone number in any accepted form, as stored; 400 naming `field` when it cannot be one. */
  msisdn(raw: string, field = 'msisdn'): string {
    const errors: FieldErrors = {};
    const normalized = this.tryMsisdn(raw, field, errors);
    if (!normalized) {
      throw new ApiError(HttpStatus.BAD_REQUEST, `Validation failed: ${field}.`, errors);
    }
    return normalized;
  }

  private tryMsisdn(raw: string, field: string, errors: FieldErrors): string | undefined {
    try {
      return normalizeMsisdn(raw, this.countryCode);
    } catch (err) {
      if (!(err instanceof MsisdnError)) {
        throw err;
      }
      errors[field] = {
        isMsisdn:
          `${field} ${JSON.stringify(err.value)} is not a phone number (${err.reasonText}): send digits, ` +
          `e.g. 84912345678 or +84 912 345 678 (national numbers are read with country code ${this.countryCode}).`,
      };
      return undefined;
    }
  }

  private tryTime(raw: string, field: string, errors: FieldErrors): Date | undefined {
    try {
      return parseVendorTime(raw, this.zone);
    } catch (err) {
      if (!(err instanceof VendorTimeError)) {
        throw err;
      }
      const value = `${field} ${JSON.stringify(err.value)}`;
      errors[field] = {
        isVendorTime:
          err.reason === 'unrecognised format' || err.reason === 'empty'
            ? `${value} is not a time in an accepted form: ${TIME_FORMS} (without a zone: ${this.zone}).`
            : `${value} is not a real time: ${err.reason}.`,
      };
      return undefined;
    }
  }
}
