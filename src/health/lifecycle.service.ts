import { answerUnavailable } from '../common/http/unavailable';
import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { onResponseClosed } from '../common/http/response-closed';

export type LifecycleState = 'starting' | 'ready' | 'shutting-down';

/** Paths that keep answering while the service shuts down: probes and scrapes. */
const OPERATIONS_PATHS = /^\/(health\/(live|ready)|metrics)\/?$/;

/**
 * Where the application is in its life, and the requests it is serving. Starting until every module is
 * initialised (database connected, migrations applied), then ready, then shutting down: from then on
 * readiness is red and {@link gate} answers new requests 503, while {@link drained} tells when the
 * requests already running have finished.
 */
@Injectable()
export class Lifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private current: LifecycleState = 'starting';
  private running = 0;
  private readonly idleWaiters = new Set<() => void>();
  private readonly closeCallbacks: Array<() => void> = [];

  get state(): LifecycleState {
    return this.current;
  }

  /** Requests that passed the gate and have not finished. */
  get inFlight(): number {
    return this.running;
  }

  onApplicationBootstrap(): void {
    if (this.current === 'starting') {
      this.current = 'ready';
    }
  }

  /** Readiness turns red and new requests are refused; those running go on. */
  beginShutdown(): void {
    this.current = 'shutting-down';
  }

  beforeApplicationShutdown(): void {
    this.beginShutdown();
  }

  onApplicationShutdown(): void {
    for (const callback of this.closeCallbacks.splice(0)) {
      callback();
    }
  }

  /** Runs `callback` when the application has shut down (e.g. to stop listening to signals). */
  onClose(callback: () => void): void {
    this.closeCallbacks.push(callback);
  }

  /** Resolves true when no request is running any more, false when `timeoutMs` passed first. */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.running === 0) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(onIdle);
        resolve(result);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idleWaiters.add(onIdle);
    });
  }

  /**
   * Express middleware, first in line: counts the requests being served and, once shutting down, answers
   * new ones 503 in the envelope with `Retry-After` and `Connection: close` (probes and metrics excepted),
   * before anything reads their body or touches the database.
   */
  gate(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      if (this.current === 'shutting-down' && !OPERATIONS_PATHS.test(req.path)) {
        answerUnavailable(
          res,
          'The service is shutting down; nothing was stored. Send the request again (another instance will take it).',
        );
        return;
      }
      this.running++;
      onResponseClosed(res, () => this.finished());
      next();
    };
  }

  private finished(): void {
    this.running--;
    if (this.running === 0) {
      for (const waiter of [...this.idleWaiters]) {
        waiter();
      }
    }
  }
}
