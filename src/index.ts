/**
 * The SMS delivery-callback modules as a library, for NestJS services. The public surface: what other
 * services code against (see the README, "For other services"). This service's own app (`app.module.ts`)
 * is composed from these same names.
 */
// The callbacks
export { SmsCallbackModule } from './sms-callback/sms-callback.module';
export {
  SMS_CALLBACK_DEFAULTS,
  SmsCallbackOptionsError,
  type SmsCallbackModuleExtras,
  type SmsCallbackModuleOptions,
} from './sms-callback/sms-callback.options';
export {
  SmsCallbackService,
  LIST_TOTAL_CAP,
  type SmsCallbackListOptions,
  type StoreResult,
} from './sms-callback/sms-callback.service';
export {
  SMS_CALLBACK_REPLAYED,
  SMS_CALLBACK_STORED,
  SmsCallbackReplayedEvent,
  SmsCallbackStoredEvent,
} from './sms-callback/events/sms-callback-stored.event';
export { SmsCallbackValidator, type ValidSmsCallback } from './sms-callback/callback-validator';
export { CALLBACK_PATH } from './sms-callback/sms-callback.controller';
export type { SmsCallbackDto } from './sms-callback/dto/sms-callback.dto';
export { CallbackRetentionModule } from './sms-callback/retention/callback-retention.module';
export { CallbackRetentionService } from './sms-callback/retention/callback-retention.service';
export type { CallbackRetentionOptions } from './sms-callback/retention/callback-retention.options';

// Licenses and their keys
export { LicenseModule, type LicenseModuleAsyncOptions } from './license/license.module';
export { LICENSE_DEFAULTS, type LicenseModuleOptions } from './license/license.options';
export {
  LicenseService,
  SYSTEM_ACTOR,
  type IssueLicenseInput,
  type LicenseListQuery,
  type LicenseUpdate,
} from './license/license.service';
export { LicenseVerifier, type VerifiedLicense } from './license/license-verifier';
export { ApiKeyAuth, CurrentLicense, API_KEY_SECURITY } from './license/api-key-auth.decorator';
export { API_KEY_HEADER, type LicenseContext, type LicensedRequest } from './license/license-context';
export type { IssuedLicenseDto, LicenseDto, RotatedLicenseDto } from './license/dto/license.dto';
export type { LicenseEventDto } from './license/dto/license-event.dto';
export { CreateLicenseDto } from './license/dto/create-license.dto';
export { UpdateLicenseDto } from './license/dto/update-license.dto';
export { ListLicensesQuery } from './license/dto/list-licenses.query';
export { RotateLicenseQuery, DEFAULT_ROTATION_OVERLAP_SECONDS } from './license/dto/rotate-license.query';
export { LICENSE_STATUSES, type LicenseStatus } from './license/license.entity';
export { AuthFailureLimiter, type AuthScope } from './license/rate-limit/auth-failure-limiter';

// The platform's contract, for a host's own routes that want it too
export { ApiContract } from './common/api-contract.decorator';
export { ApiError } from './common/api-error';
export {
  AuthenticationError,
  authFailureOf,
  type AuthCredential,
  type AuthFailure,
  type AuthFailureReason,
} from './common/auth-failure';
export { Page, type Envelope, type FieldErrors } from './common/envelope';
export { JSON_BODY_LIMITS, JsonBody } from './common/body/json-body.guard';
export type { JsonBodyLimits } from './common/body/json-body-reader';
export { parseByteSize } from './common/body/byte-size';
export { uuidParam } from './common/pipes/uuid-param';
export { isValidCallingCode } from './sms-callback/normalization/msisdn';
export { isValidTimeZone } from './sms-callback/normalization/vendor-time';

// The schema, for the host's `TypeOrmModule.forRoot({ entities, migrations, migrationsRun: true })`
export { SMS_CALLBACK_ENTITIES, SMS_CALLBACK_MIGRATIONS } from './schema';
export { SmsCallback } from './sms-callback/sms-callback.entity';
export { License } from './license/license.entity';
export { LicenseEvent } from './license/license-event.entity';
export { SmsCallbackOutboxEntry } from './sms-callback-stream/sms-callback-outbox.entity';
