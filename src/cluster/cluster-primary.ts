import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { isMetricsRequest, METRICS_RESPONSE, type MetricsResponse } from './cluster-messages';

export interface ClusterOptions {
  workers: number;
  /** SHUTDOWN_TIMEOUT_MS: how long a worker may drain; past it (and a grace) the primary kills what is left. */
  shutdownTimeoutMs: number;
  logger: Logger;
  /** First restart delay; doubled for each quick death in a row, up to `maxRestartDelayMs`. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

/** A worker that lived this long before dying starts its restarts over from the first delay. */
const STABLE_AFTER_MS = 30_000;
/** After the drain time: closing the pool and the server. */
const STOP_GRACE_MS = 10_000;

/**
 * The primary of the multi-process mode (WEB_CONCURRENCY > 1): forks the workers (each the whole service,
 * listening on the same port, node:cluster sharing the connections out), forks again one that dies (after
 * 1 s, doubling up to 30 s while they keep dying quickly), forwards SIGTERM/SIGINT to each as SIGTERM (each
 * drains as a single process does; a worker that already got the terminal's SIGINT is draining already), and
 * exits once they have all ended. `/metrics`, served by whichever worker gets the request, is the sum over the
 * workers: the worker asks here, and prom-client's AggregatorRegistry collects every worker's registry.
 * The primary loads neither Nest nor the database: it holds no connection and serves no request.
 */
export function runClusterPrimary(options: ClusterOptions): void {
  const { logger } = options;
  const firstDelay = options.restartDelayMs ?? 1_000;
  const maxDelay = options.maxRestartDelayMs ?? 30_000;
  const aggregator = new AggregatorRegistry();
  const slots = new Map<number, { slot: number; startedAt: number }>();
  const quickDeaths = new Map<number, number>();
  let stopping: NodeJS.Signals | null = null;

  const fork = (slot: number): Worker => {
    const worker = cluster.fork({ WORKER_SLOT: String(slot) });
    slots.set(worker.id, { slot, startedAt: Date.now() });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const info = slots.get(worker.id);
    slots.delete(worker.id);
    if (stopping) {
      if (slots.size === 0) {
        logger.info({ context: 'Cluster' }, 'Every worker has ended: exiting');
        process.exit(0);
      }
      return;
    }
    if (!info) {
      return;
    }
    const lived = Date.now() - info.startedAt;
    const deaths = lived >= STABLE_AFTER_MS ? 0 : (quickDeaths.get(info.slot) ?? 0);
    quickDeaths.set(info.slot, deaths + 1);
    const delay = Math.min(maxDelay, firstDelay * 2 ** deaths);
    logger.error(
      { context: 'Cluster', workerPid: worker.process.pid, code, signal, restartInMs: delay },
      `Worker ${worker.process.pid} ended (${signal ?? `code ${code}`}) after ${lived} ms: starting another in ${delay} ms`,
    );
    setTimeout(() => {
      if (!stopping) {
        fork(info.slot);
      }
    }, delay).unref();
  });

  cluster.on('message', (worker, message: unknown) => {
    if (!isMetricsRequest(message)) {
      return;
    }
    const reply = (answer: MetricsResponse) => {
      if (worker.isConnected()) {
        worker.send(answer);
      }
    };
    aggregator.clusterMetrics().then(
      (body) => reply({ type: METRICS_RESPONSE, id: message.id, contentType: aggregator.contentType, body }),
      (err: unknown) => reply({ type: METRICS_RESPONSE, id: message.id, error: (err as Error).message }),
    );
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      return;
    }
    stopping = signal;
    logger.info(
      { context: 'Cluster' },
      `${signal} received: stopping ${slots.size} worker(s), each draining its requests`,
    );
    for (const worker of Object.values(cluster.workers ?? {})) {
      worker?.process.kill('SIGTERM');
    }
    if (slots.size === 0) {
      process.exit(0);
    }
    setTimeout(() => {
      logger.fatal(
        { context: 'Cluster' },
        `Workers still running after ${options.shutdownTimeoutMs + STOP_GRACE_MS} ms: killing them`,
      );
      for (const worker of Object.values(cluster.workers ?? {})) {
        worker?.process.kill('SIGKILL');
      }
      process.exit(1);
    }, options.shutdownTimeoutMs + STOP_GRACE_MS).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  logger.info({ context: 'Cluster' }, `Primary ${process.pid}: starting ${options.workers} workers`);
  for (let slot = 0; slot < options.workers; slot++) {
    fork(slot);
  }
}
