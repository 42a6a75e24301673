'use strict';
/**
 * The bench's stream variant (issue 12): the service with BROKER_URL set, publishing every callback to an
 * exchange of the bench's own with a durable queue bound to it (persistent messages are written to disk by
 * RabbitMQ, as in production), and the checks around a measured run: the outbox drained before it, how far
 * behind the relay fell during it, how long it took to catch up after it, and messages = rows.
 */
const { connect } = require('amqplib');
const { sleep } = require('./harness');

const ROUTING_KEY = 'sms-callback.stored';

class BenchBroker {
  constructor(model, channel, exchange, queue) {
    this.model = model;
    this.channel = channel;
    this.exchange = exchange;
    this.queue = queue;
  }

  /** An exchange and a durable queue named after `tag` (deleted by `close`). */
  static async open(url, tag) {
    const model = await connect(url, { timeout: 5_000 });
    model.on('error', () => {});
    const channel = await model.createChannel();
    channel.on('error', () => {});
    const exchange = `sms-bench.${tag}`;
    const queue = `sms-bench.${tag}`;
    await channel.assertExchange(exchange, 'topic', { durable: true, autoDelete: false });
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, exchange, ROUTING_KEY);
    return new BenchBroker(model, channel, exchange, queue);
  }

  async messageCount() {
    return (await this.channel.checkQueue(this.queue)).messageCount;
  }

  async purge() {
    await this.channel.purgeQueue(this.queue);
  }

  async close() {
    await this.channel.deleteQueue(this.queue).catch(() => {});
    await this.channel.deleteExchange(this.exchange).catch(() => {});
    await this.model.close().catch(() => {});
  }
}

async function outboxRows(db) {
  const { rows } = await db.query('SELECT count(*)::int AS n FROM sms_callback_outbox');
  return rows[0].n;
}

/** Waits until the outbox is empty; resolves to the ms it took, or null after `timeoutMs`. */
async function outboxDrained(db, timeoutMs = 120_000) {
  const t0 = Date.now();
  while ((await outboxRows(db)) > 0) {
    if (Date.now() - t0 > timeoutMs) {
      return null;
    }
    await sleep(100);
  }
  return Date.now() - t0;
}

/** Samples the outbox every 500 ms while a run goes on; `stop()` resolves to the highest count seen. */
function backlogSampler(db) {
  let peak = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      peak = Math.max(peak, await outboxRows(db).catch(() => 0));
      await sleep(500);
    }
    return peak;
  })();
  return {
    stop() {
      running = false;
      return done;
    },
  };
}

module.exports = { BenchBroker, outboxDrained, backlogSampler };
