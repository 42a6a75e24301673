import type { SmsCallbackDto } from '../dto/sms-callback.dto';

/**
 * Emitted in-process (`@nestjs/event-emitter`) once for each newly stored callback, after its commit;
 * never for a replay. Subscribe with `@OnEvent(SMS_CALLBACK_STORED)`.
 */
export const SMS_CALLBACK_STORED = 'sms-callback.stored';

export class SmsCallbackStoredEvent {
  constructor(
    readonly callback: SmsCallbackDto,
    readonly enterpriseId: string,
    readonly licenseId: string,
  ) {}
}

/**
 * Emitted in-process once for each replay: a callback identical to a stored one was sent again, nothing new
 * was stored. `callback` is the record stored the first time. Subscribe with `@OnEvent(SMS_CALLBACK_REPLAYED)`.
 */
export const SMS_CALLBACK_REPLAYED = 'sms-callback.replayed';

export class SmsCallbackReplayedEvent {
  constructor(
    readonly callback: SmsCallbackDto,
    readonly enterpriseId: string,
    readonly licenseId: string,
  ) {}
}
