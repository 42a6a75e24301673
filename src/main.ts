import 'reflect-metadata';
import cluster from 'node:cluster';
import { webConcurrencyOf } from './config/web-concurrency';
import { checkEnvironment } from './config/env.validation';
import { readEnvironment } from './config/read-environment';
import { applyHeapGrowingPercent } from './heap-growth';
import { createPinoLogger } from './logging/pino-logger.factory';

/**
 * The entry point: checks the environment, then runs the service in this process (WEB_CONCURRENCY 1, the
 * default, and every worker), or as the primary of WEB_CONCURRENCY workers (see `runClusterPrimary`), which
 * loads neither Nest nor the database.
 */
function main(): void {
  const env = readEnvironment();
  const { logger, heapGrowingPercent } = refuseBadEnvironment(env);
  // Before the app loads: V8 sizes the old generation after each full collection, and a worker under load may
  // run for a minute on the limit set by the collections of its start-up.
  applyHeapGrowingPercent(heapGrowingPercent);
  const workers = webConcurrencyOf(env.WEB_CONCURRENCY);
  if (cluster.isPrimary && workers > 1) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runClusterPrimary } = require('./cluster/cluster-primary') as typeof import('./cluster/cluster-primary');
    runClusterPrimary({ workers, shutdownTimeoutMs: Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000), logger });
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startService } = require('./bootstrap') as typeof import('./bootstrap');
  startService();
}

/**
 * A bad environment stops the process before Nest starts: one log line per bad variable (in LOG_FORMAT,
 * never the value of a secret), no stack, exit code 1. Else the logger of the start-up and HEAP_GROWING_PERCENT.
 */
function refuseBadEnvironment(env: Record<string, string | undefined>) {
  const { logger } = createPinoLogger({ level: 'log', format: env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json' });
  const { env: typed, problems } = checkEnvironment(env);
  if (problems.length === 0) {
    return { logger, heapGrowingPercent: typed.HEAP_GROWING_PERCENT };
  }
  for (const { variable, message } of problems) {
    logger.fatal({ context: 'Config', variable }, message);
  }
  process.exit(1);
}

main();
