import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { Lifecycle } from './lifecycle.service';

export interface GracefulShutdownOptions {
  /** How long in-flight requests may take to finish (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  signals?: NodeJS.Signals[];
}

/** Extra time after `timeoutMs` for closing the pool and the embedded database before the process gives up. */
const CLOSE_GRACE_MS = 10_000;

/**
 * On SIGTERM or SIGINT: readiness goes red and new requests get 503 (the load balancer moves on), the
 * requests already running finish (at most `timeoutMs`, then their connections are closed), the server
 * stops, and Nest's shutdown hooks close the database pool and the embedded database. Then the process
 * ends by the same signal, as Nest's own `enableShutdownHooks` does. A second SIGINT ends it at once.
 */
export function enableGracefulShutdown(app: NestExpressApplication, options: GracefulShutdownOptions): void {
  const logger = new Logger('Shutdown');
  const lifecycle = app.get(Lifecycle);
  const server: Server = app.getHttpServer();
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let started = false;

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    const hardStop = setTimeout(() => {
      logger.fatal(`Shutdown did not complete within ${options.timeoutMs + CLOSE_GRACE_MS} ms: exiting`);
      process.exit(1);
    }, options.timeoutMs + CLOSE_GRACE_MS);
    hardStop.unref();
    lifecycle.beginShutdown();
    logger.log(
      `${signal} received: not ready any more, refusing new requests; waiting up to ${options.timeoutMs} ms ` +
        `for ${lifecycle.inFlight} in-flight request(s)`,
    );
    server.closeIdleConnections();
    if (!(await lifecycle.drained(options.timeoutMs))) {
      logger.warn(`${lifecycle.inFlight} request(s) still running after ${options.timeoutMs} ms: closing them`);
    }
    await stopServer(server);
    await app.close();
    logger.log('Shut down: server closed, database pool and embedded database closed');
    removeListeners();
    process.kill(process.pid, signal);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      if (signal === 'SIGINT') {
        logger.warn('Second SIGINT: exiting now');
        process.exit(130);
      }
      return;
    }
    started = true;
    shutdown(signal).catch((err: unknown) => {
      logger.error('Shutdown failed', err instanceof Error ? err.stack : String(err));
      process.exit(1);
    });
  };
  const removeListeners = () => signals.forEach((signal) => process.removeListener(signal, onSignal));

  signals.forEach((signal) => process.on(signal, onSignal));
  // An application closed another way (app.close() in a test) stops listening too.
  lifecycle.onClose(removeListeners);
}

/** Stops accepting connections and closes those left (idle keep-alive ones, or requests over the timeout). */
function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
