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
