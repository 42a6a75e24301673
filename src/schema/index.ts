import { LicenseEvent } from '../license/license-event.entity';
import { License } from '../license/license.entity';
import { SmsCallbackOutboxEntry } from '../sms-callback-stream/sms-callback-outbox.entity';
import { SmsCallback } from '../sms-callback/sms-callback.entity';
import { migrations } from './migrations';

/** Every entity of the library's tables, for the host's `TypeOrmModule.forRoot({ entities })`. */
export const SMS_CALLBACK_ENTITIES = [License, LicenseEvent, SmsCallback, SmsCallbackOutboxEntry];

/** Every migration of those tables, in order, for `TypeOrmModule.forRoot({ migrations, migrationsRun: true })`. */
export const SMS_CALLBACK_MIGRATIONS = migrations;
