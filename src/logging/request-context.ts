import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A request id a client may choose: short, and nothing that could forge a log line or a header. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The id {@link requestContextMiddleware} gave the request (`undefined` before it ran). */
export function requestIdOf(req: Request): string | undefined {
  return (req as Request & { id?: string }).id;
}

/**
 * Gives each request its id: the client's `X-Request-Id` when it is acceptable, a new UUID otherwise;
 * returns it in the same header. The access line and the exception filter's lines carry it. (Not an
 * AsyncLocalStorage context for every log call: on Node 20 that hooks every promise of every request and
 * cost ~18% of the callback's throughput.)
 */
export function requestContextMiddleware(req: Request, res: Response, next: NextFunction): void {
  const offered = req.headers['x-request-id'];
  const requestId = typeof offered === 'string' && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
  (req as Request & { id: string }).id = requestId;
  res.setHeader(REQUEST_ID_HEADER, requestId);
  next();
}
