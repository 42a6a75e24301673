import type { SmsCallback } from './sms-callback.entity';

/** A callback to store; `rawBody` is the body's JSON text as received (jsonb keeps its numbers exactly). */
export type NewSmsCallback = Omit<SmsCallback, 'id' | 'receivedAt' | 'license' | 'rawBody'> & { rawBody: string };
/** A stored callback as its readers get it: everything but the raw body and the replay key. */
export type StoredSmsCallback = Omit<SmsCallback, 'license' | 'replayKey' | 'rawBody'>;
/** A callback just inserted, with its replay key (the writer matches replays on it). */
export type InsertedSmsCallback = StoredSmsCallback & Pick<SmsCallback, 'replayKey'>;
