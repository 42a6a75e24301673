import { Counter, Gauge, type Registry } from 'prom-client';

export interface StreamGauges {
  backlog: number;
  oldestAgeSeconds: number;
  brokerUp: boolean;
}

/**
 * The stream's Prometheus metrics, in the registry given in the options (none: kept, not exposed):
 * - `sms_callback_outbox_backlog`, `sms_callback_outbox_oldest_age_seconds`
 * - `sms_callback_stream_published_total`, `sms_callback_stream_failures_total{stage="connect|publish"}`
 * - `sms_callback_stream_broker_up`
 */
export class SmsCallbackStreamMetrics {
  readonly published: Counter;
  readonly failures: Counter<'stage'>;

  constructor(registry: Registry | undefined, gauges: () => StreamGauges) {
    const registers = registry ? [registry] : [];
    this.published = new Counter({
      name: 'sms_callback_stream_published_total',
      help: 'Stored callbacks published to the broker and confirmed by it.',
      registers,
    });
    this.failures = new Counter({
      name: 'sms_callback_stream_failures_total',
      help:
        'Failures of the stream: stage="connect": a connection attempt to the broker failed; stage="publish": a ' +
        'message the broker did not confirm (nacked, timed out, connection lost), left in the outbox to send again.',
      labelNames: ['stage'] as const,
      registers,
    });
    for (const stage of ['connect', 'publish']) {
      this.failures.inc({ stage }, 0);
    }
    new Gauge({
      name: 'sms_callback_outbox_backlog',
      help: 'Stored callbacks waiting in the outbox for the broker to confirm them (counted every few seconds).',
      registers,
      collect() {
        this.set(gauges().backlog);
      },
    });
    new Gauge({
      name: 'sms_callback_outbox_oldest_age_seconds',
      help: 'How long the oldest callback in the outbox has been waiting; 0 when none waits.',
      registers,
      collect() {
        this.set(gauges().oldestAgeSeconds);
      },
    });
    new Gauge({
      name: 'sms_callback_stream_broker_up',
      help: '1 while the connection to the broker is open, else 0.',
      registers,
      collect() {
        this.set(gauges().brokerUp ? 1 : 0);
      },
    });
  }
}
