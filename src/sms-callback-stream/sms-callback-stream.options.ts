import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { Registry } from 'prom-client';

/** How the stream of stored callbacks to the broker runs. Only `brokerUrl` turns it on; the rest has defaults. */
export interface SmsCallbackStreamOptions {
  /** `amqp://user:pass@host:port[/vhost]` (or `amqps://`). Unset: the stream is off: no outbox rows, no relay. */
  brokerUrl?: string;
  /** The durable topic exchange the callbacks are published to. Default `sms-callback`. */
  exchange?: string;
  /** Above this many callbacks waiting in the outbox, a warning is logged (then once a minute). Default 1,000. */
  backlogWarnThreshold?: number;
  /** Callbacks published per outbox transaction. Default 500. */
  batchSize?: number;
  /** How often the relay looks for callbacks stored by other instances, or left by a dead one. Default 1,000 ms. */
  pollIntervalMs?: number;
  /**
   * Once new rows wake the relay, it waits this long before it takes a batch, so that one batch (one
   * transaction, one wait for confirms) carries the callbacks stored meanwhile. Default 50 ms.
   */
  batchWindowMs?: number;
  /** How long the broker has to confirm a batch before its unconfirmed messages are sent again. Default 10,000 ms. */
  publishTimeoutMs?: number;
  /** How long a connection attempt to the broker may take. Default 5,000 ms. */
  connectTimeoutMs?: number;
  /** The longest wait between two attempts while the broker or the database is unreachable. Default 5,000 ms. */
  maxRetryDelayMs?: number;
  /** AMQP heartbeat, in seconds, unless the URL sets `heartbeat`. Default 10. */
  heartbeatSeconds?: number;
  /** How often the backlog (rows, oldest age) is counted for the metrics and the warning. Default 5,000 ms. */
  backlogIntervalMs?: number;
  /** A Prometheus registry to register the stream's metrics in (e.g. the one `/metrics` serves). */
  metricsRegistry?: Registry;
}

export type ResolvedStreamOptions = Required<Omit<SmsCallbackStreamOptions, 'brokerUrl' | 'metricsRegistry'>> &
  Pick<SmsCallbackStreamOptions, 'brokerUrl' | 'metricsRegistry'>;

export const STREAM_DEFAULTS: Omit<ResolvedStreamOptions, 'brokerUrl' | 'metricsRegistry'> = {
  exchange: 'sms-callback',
  backlogWarnThreshold: 1_000,
  batchSize: 500,
  pollIntervalMs: 1_000,
  batchWindowMs: 50,
  publishTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  maxRetryDelayMs: 5_000,
  heartbeatSeconds: 10,
  backlogIntervalMs: 5_000,
};

/** The options with their defaults filled in (an `undefined` value takes the default too). */
export function resolveStreamOptions(options: SmsCallbackStreamOptions): ResolvedStreamOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...STREAM_DEFAULTS, ...defined };
}

export const {
  ConfigurableModuleClass: ConfigurableStreamModule,
  MODULE_OPTIONS_TOKEN: STREAM_OPTIONS,
  OPTIONS_TYPE: STREAM_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: STREAM_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SmsCallbackStreamOptions>()
  .setClassMethodName('forRoot')
  // Global: the outbox it provides must reach the callback writer of whichever module stores callbacks.
  .setExtras({}, (definition) => ({ ...definition, global: true }))
  .build();

/** The options resolved with {@link resolveStreamOptions}. */
export const STREAM_SETTINGS = Symbol('STREAM_SETTINGS');
