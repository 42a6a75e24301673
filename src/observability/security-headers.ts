import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

export type HelmetOptions = Parameters<typeof helmet>[0];

/**
 * helmet's headers, worked out once. With options that depend on nothing in the request (no CSP nonce),
 * helmet sets the same headers on every response; running its dozen middlewares per request costs the
 * callback path a few percent of its throughput. This asks helmet once, at start-up, what it sets and
 * removes, and replays exactly that.
 */
export function securityHeaders(options: HelmetOptions): RequestHandler {
  const set: [string, string][] = [];
  const removed: string[] = [];
  const probe = {
    setHeader(name: string, value: unknown) {
      set.push([name, String(value)]);
    },
    removeHeader(name: string) {
      removed.push(name);
    },
  };
  let synchronous = false;
  helmet(options)({} as Request, probe as unknown as Response, (err?: unknown) => {
    if (err) {
      throw err instanceof Error ? err : new Error('helmet refused its options');
    }
    synchronous = true;
  });
  if (!synchronous) {
    throw new Error('helmet did not set its headers synchronously: they cannot be worked out once');
  }
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of set) {
      res.setHeader(name, value);
    }
    for (const name of removed) {
      res.removeHeader(name);
    }
    next();
  };
}
