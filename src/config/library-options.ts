import type { JsonBodyLimits, LicenseModuleOptions, SmsCallbackModuleOptions } from '../index';
import { parseByteSize } from '../index';
import type { AppConfigService } from './app-config.type';

/** The library's options of this service, from its validated environment. */
export function smsCallbackOptionsFrom(config: AppConfigService): SmsCallbackModuleOptions {
  return {
    timezone: config.get('CALLBACK_TIMEZONE', { infer: true }),
    defaultCountryCode: config.get('DEFAULT_COUNTRY_CODE', { infer: true }),
    bodyLimit: config.get('BODY_LIMIT', { infer: true }),
    batchBodyLimit: config.get('BATCH_BODY_LIMIT', { infer: true }),
    bodyTimeoutMs: config.get('BODY_TIMEOUT_MS', { infer: true }),
    retentionDays: config.get('CALLBACK_RETENTION_DAYS', { infer: true }),
    maintenanceIntervalMinutes: config.get('CALLBACK_MAINTENANCE_INTERVAL_MINUTES', { infer: true }),
  };
}

export function licenseOptionsFrom(config: AppConfigService): LicenseModuleOptions {
  return {
    cacheTtlMs: config.get('LICENSE_CACHE_TTL_MS', { infer: true }),
    defaultRateLimitPerSecond: config.get('LICENSE_RATE_LIMIT_PER_SECOND', { infer: true }),
    authFailureLimit: config.get('AUTH_FAILURE_LIMIT', { infer: true }),
    authFailureWindowSeconds: config.get('AUTH_FAILURE_WINDOW_SECONDS', { infer: true }),
    redisUrl: config.get('REDIS_URL', { infer: true }),
    redisKeyPrefix: config.get('REDIS_KEY_PREFIX', { infer: true }),
  };
}

/** BODY_LIMIT and BODY_TIMEOUT_MS, for the app's own routes that take a JSON body (the admin API). */
export function jsonBodyLimitsFrom(config: AppConfigService): JsonBodyLimits {
  return {
    maxBytes: parseByteSize(config.get('BODY_LIMIT', { infer: true })),
    timeoutMs: config.get('BODY_TIMEOUT_MS', { infer: true }),
  };
}
