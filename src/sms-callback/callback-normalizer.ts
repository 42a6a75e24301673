import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiError } from '../common/api-error';
import type { FieldErrors } from '../common/envelope';
import type { AppConfigService } from '../config/app-config.type';
import type { CreateSmsCallbackDto } from './dto/create-sms-callback.dto';
import { MsisdnError, normalizeMsisdn } from './normalization/msisdn';
import { ACCEPTED_TIME_FORMATS, parseVendorTime, VendorTimeError } from './normalization/vendor-time';

/** What the service stores next to the values as sent. */
export interface NormalizedCallback {
  msisdn: string;
  sendTime: Date;
  responseTimeTelco: Date | null;
}

const TIME_FORMS = `Accepted forms: ${ACCEPTED_TIME_FORMATS.join('; ')}.`;

/**
 * Reads a callback's phone number and times the way the platform means them: the number in international
 * digits (DEFAULT_COUNTRY_CODE for national forms), the times as instants (CALLBACK_TIMEZONE for times
 * written without a zone). A value that cannot be read is a 400 naming the field.
 */
@Injectable()
export class CallbackNormalizer {
  private readonly zone: string;
  private readonly countryCode: string;

  constructor(@Inject(ConfigService) config: AppConfigService) {
    this.zone = config.get('CALLBACK_TIMEZONE', { infer: true });
    this.countryCode = config.get('DEFAULT_COUNTRY_CODE', { infer: true });
  }

  normalize(dto: CreateSmsCallbackDto): NormalizedCallback {
    const errors: FieldErrors = {};
    const msisdn = this.tryMsisdn(dto.msisdn, 'msisdn', errors);
    const sendTime = this.tryTime(dto.sendTime, 'sendTime', errors);
    const responseTimeTelco = dto.responseTimeTelco
      ? this.tryTime(dto.responseTimeTelco, 'responseTimeTelco', errors)
      : null;
    if (Object.keys(errors).length > 0) {
      throw new ApiError(HttpStatus.BAD_REQUEST, `Validation failed: ${Object.keys(errors).join(', ')}.`, errors);
    }
    return { msisdn: msisdn!, sendTime: sendTime!, responseTimeTelco: responseTimeTelco ?? null };
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
        isMsisdn: `${field} must be a phone number, e.g. 84912345678, 0912345678 or +84 912 345 678 (${err.reason.toLowerCase().replace(/_/g, ' ')}).`,
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
      errors[field] = { isVendorTime: `${field} is not a valid time (${err.reason}). ${TIME_FORMS}` };
      return undefined;
    }
  }
}
