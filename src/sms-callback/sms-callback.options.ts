import { ConfigurableModuleBuilder, Inject, Injectable, Optional } from '@nestjs/common';
import { parseByteSize } from '../common/body/byte-size';
import type { JsonBodyLimits } from '../common/body/json-body-reader';
import { isValidCallingCode } from './normalization/msisdn';
import { isValidTimeZone } from './normalization/vendor-time';
import type { CallbackRetentionOptions } from './retention/callback-retention.options';

/** What a host may set on `SmsCallbackModule.forRoot`; every option has a default that needs no environment. */
export interface SmsCallbackModuleOptions {
  /** IANA zone of times sent without `Z` or an offset. Default `Asia/Ho_Chi_Minh`. */
  timezone?: string;
  /** Country calling code of national phone numbers (`0912345678`). Default `84`. */
  defaultCountryCode?: string;
  /** Largest callback body, in bytes or as a size (`64kb`). Default `64kb`. */
  bodyLimit?: number | string;
  /** Largest body of the batch route (up to 1,000 callbacks). Default `1mb`. */
  batchBodyLimit?: number | string;
  /** Longest time a body may take to arrive (ms). Default 30,000. */
  bodyTimeoutMs?: number;
  /** Days a callback is kept after its sendTime; 0 = forever. Default 90. */
  retentionDays?: number;
  /** Minutes between two partition maintenance runs; 0 = never by itself. Default 60. */
  maintenanceIntervalMinutes?: number;
}

/** Set beside the options (also of `forRootAsync`): the routes are fixed when the module is defined. */
export interface SmsCallbackModuleExtras {
  /** Mount the vendor routes (`/api/vendor/v1/sms/callback`...). Default true; false: the services only. */
  routes?: boolean;
}

export const SMS_CALLBACK_DEFAULTS: Readonly<Required<SmsCallbackModuleOptions>> = {
  timezone: 'Asia/Ho_Chi_Minh',
  defaultCountryCode: '84',
  bodyLimit: '64kb',
  batchBodyLimit: '1mb',
  bodyTimeoutMs: 30_000,
  retentionDays: 90,
  maintenanceIntervalMinutes: 60,
};

export const {
  ConfigurableModuleClass: ConfigurableSmsCallbackModule,
  MODULE_OPTIONS_TOKEN: SMS_CALLBACK_MODULE_OPTIONS,
  OPTIONS_TYPE: SMS_CALLBACK_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SMS_CALLBACK_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SmsCallbackModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<SmsCallbackModuleExtras>({ routes: true }, (definition) => definition)
  .build();

/** A bad option: thrown while the host starts, naming the option. */
export class SmsCallbackOptionsError extends Error {
  override readonly name = 'SmsCallbackOptionsError';
}

/** The options in force: the host's over {@link SMS_CALLBACK_DEFAULTS}, checked once. */
@Injectable()
export class SmsCallbackOptions {
  readonly timezone: string;
  readonly defaultCountryCode: string;
  readonly bodyLimits: JsonBodyLimits;
  /** The batch route's body limit, in bytes (its timeout is `bodyLimits`'). */
  readonly batchBodyLimitBytes: number;
  readonly retention: CallbackRetentionOptions;

  constructor(@Optional() @Inject(SMS_CALLBACK_MODULE_OPTIONS) options: SmsCallbackModuleOptions | null = null) {
    const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined));
    const o = { ...SMS_CALLBACK_DEFAULTS, ...given } as Required<SmsCallbackModuleOptions>;
    if (!isValidTimeZone(o.timezone)) {
      throw new SmsCallbackOptionsError(`timezone ${JSON.stringify(o.timezone)} is not an IANA time zone.`);
    }
    if (!isValidCallingCode(o.defaultCountryCode)) {
      throw new SmsCallbackOptionsError(
        `defaultCountryCode ${JSON.stringify(o.defaultCountryCode)} is not a country calling code.`,
      );
    }
    this.timezone = o.timezone;
    this.defaultCountryCode = o.defaultCountryCode;
    this.bodyLimits = { maxBytes: parseByteSize(o.bodyLimit), timeoutMs: o.bodyTimeoutMs };
    this.batchBodyLimitBytes = parseByteSize(o.batchBodyLimit);
    this.retention = { retentionDays: o.retentionDays, intervalMinutes: o.maintenanceIntervalMinutes };
  }
}
