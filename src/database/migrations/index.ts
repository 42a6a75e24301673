import { InitialSchema1764230400000 } from './1764230400000-initial-schema';
import { LicenseLifecycle1764300000000 } from './1764300000000-license-lifecycle';
import { CallbackNormalisedData1764400000000 } from './1764400000000-callback-normalised-data';
import { CallbackStatsCoveringIndex1764500000000 } from './1764500000000-callback-stats-covering-index';
import { PartitionCallbacksBySendTime1764600000000 } from './1764600000000-partition-callbacks-by-send-time';
import { SmsCallbackOutbox1764700000000 } from './1764700000000-sms-callback-outbox';
import { OutboxLeases1764750000000 } from './1764750000000-outbox-leases';
import { CallbackStatsRollup1764800000000 } from './1764800000000-callback-stats-rollup';

/** Every migration, in order. Listed by class so that the build, the CLI and the tests load the same set. */
export const migrations = [
  InitialSchema1764230400000,
  LicenseLifecycle1764300000000,
  CallbackNormalisedData1764400000000,
  CallbackStatsCoveringIndex1764500000000,
  PartitionCallbacksBySendTime1764600000000,
  SmsCallbackOutbox1764700000000,
  OutboxLeases1764750000000,
  CallbackStatsRollup1764800000000,
];
