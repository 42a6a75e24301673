/**
 * Emitted in-process once per batch answered (after its commit), with what became of its items; each newly
 * stored item is also announced as `sms-callback.stored`. For the counters of replays and rejected items.
 */
export const SMS_CALLBACK_BATCH_ANSWERED = 'sms-callback.batch-answered';

export class SmsCallbackBatchAnsweredEvent {
  constructor(
    /** Items in the batch. */
    readonly items: number,
    /** Items answered 200: replays, nothing new stored. */
    readonly replayed: number,
    /** Items answered 400: invalid, nothing stored. */
    readonly invalid: number,
  ) {}
}
