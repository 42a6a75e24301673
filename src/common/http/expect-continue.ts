import type { Request, Response } from 'express';

const CONTINUE_PENDING = Symbol('continuePending');

/**
 * `Expect: 100-continue`: the HTTP server leaves the interim `100 Continue` to the application (see
 * `hardenHttpServer`), which sends it only when it is about to read the body, after the API key and the
 * declared length have passed. A client that waits for it never sends a body that would be refused.
 */
export function markContinuePending(req: Request): void {
  (req as unknown as { [CONTINUE_PENDING]?: boolean })[CONTINUE_PENDING] = true;
}

/** Sends the `100 Continue` the client waits for, if it waits for one. */
export function sendContinueIfPending(req: Request, res: Response): void {
  const marked = req as unknown as { [CONTINUE_PENDING]?: boolean };
  if (marked[CONTINUE_PENDING]) {
    marked[CONTINUE_PENDING] = false;
    res.writeContinue();
  }
}
