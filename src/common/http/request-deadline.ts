import type { Response } from 'express';

/**
 * The handler deadline of a request (REQUEST_TIMEOUT_MS, set by the request-timeout middleware), which the
 * body reader holds while the body arrives: reading a body has its own bound (BODY_TIMEOUT_MS), and a slow
 * upload must not eat the time meant for the handler. Without the middleware (a host application that does
 * not install it), holding is a no-op.
 */
export interface RequestDeadline {
  /** Stops the clock. */
  hold(): void;
  /** Starts it again, with the whole timeout ahead. */
  restart(): void;
}

const DEADLINE = Symbol('requestDeadline');

export function attachRequestDeadline(res: Response, deadline: RequestDeadline): void {
  (res as unknown as { [DEADLINE]?: RequestDeadline })[DEADLINE] = deadline;
}

export function requestDeadlineOf(res: Response): RequestDeadline | undefined {
  return (res as unknown as { [DEADLINE]?: RequestDeadline })[DEADLINE];
}
