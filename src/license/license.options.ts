import { Inject, Injectable, Optional } from '@nestjs/common';

/** What a host may set on {@link LicenseModule}; each has a default that needs no environment variable. */
export interface LicenseModuleOptions {
  /** How long a verified API key is trusted without asking the database (ms); 0 = ask every time. Default 4000. */
  cacheTtlMs?: number;
  /**
   * Requests per second of a license without a limit of its own; 0 = no limit. Default 0: a capacity decision
   * (a default low enough to protect an instance throttles the largest vendor below what it can take).
   */
  defaultRateLimitPerSecond?: number;
  /** Failed authentications (401) one client address may make per window before it gets 429; 0 = off. Default 10. */
  authFailureLimit?: number;
  /** The window of `authFailureLimit`, in seconds. Default 60. */
  authFailureWindowSeconds?: number;
  /** Redis for the rate-limit counters shared by the instances (`redis://...`); without it they are in memory. */
  redisUrl?: string;
  /** Prefix of the Redis keys and channels. Default `sms-callback:`. */
  redisKeyPrefix?: string;
}

export const LICENSE_DEFAULTS: Readonly<Required<Omit<LicenseModuleOptions, 'redisUrl'>>> = {
  cacheTtlMs: 4_000,
  defaultRateLimitPerSecond: 0,
  authFailureLimit: 10,
  authFailureWindowSeconds: 60,
  redisKeyPrefix: 'sms-callback:',
};

/** The host's options, as given to `LicenseModule.forRoot`/`forRootAsync` (absent when imported plainly). */
export const LICENSE_MODULE_OPTIONS = Symbol('LICENSE_MODULE_OPTIONS');

/** The options in force: the host's over {@link LICENSE_DEFAULTS}. */
@Injectable()
export class LicenseOptions implements Readonly<Required<Omit<LicenseModuleOptions, 'redisUrl'>>> {
  readonly cacheTtlMs: number;
  readonly defaultRateLimitPerSecond: number;
  readonly authFailureLimit: number;
  readonly authFailureWindowSeconds: number;
  readonly redisUrl: string | undefined;
  readonly redisKeyPrefix: string;

  constructor(@Optional() @Inject(LICENSE_MODULE_OPTIONS) options: LicenseModuleOptions | null = null) {
    const given = Object.fromEntries(Object.entries(options ?? {}).filter(([, value]) => value !== undefined));
    const merged = { ...LICENSE_DEFAULTS, ...given } as Required<LicenseModuleOptions>;
    this.cacheTtlMs = merged.cacheTtlMs;
    this.defaultRateLimitPerSecond = merged.defaultRateLimitPerSecond;
    this.authFailureLimit = merged.authFailureLimit;
    this.authFailureWindowSeconds = merged.authFailureWindowSeconds;
    this.redisUrl = merged.redisUrl || undefined;
    this.redisKeyPrefix = merged.redisKeyPrefix;
  }
}
