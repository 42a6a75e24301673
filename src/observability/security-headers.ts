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

/**
 * The headers of a JSON answer (the OWASP REST Security Cheat Sheet's set): not stored by any cache, never
 * framed, never sniffed as another type; HSTS only when the request came over TLS (`req.secure`, which
 * believes `X-Forwarded-Proto` from a trusted proxy: see TRUST_PROXY), as a browser ignores it over plain
 * HTTP anyway.
 */
export const REST_SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Cache-Control', 'no-store'],
  ['Content-Security-Policy', "frame-ancestors 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
];
export const HSTS_HEADER = ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] as const;

/**
 * Security headers by what the answer is: under `documentPaths` (the Swagger UI and its document, HTML and
 * scripts a browser renders) helmet's full set ({@link securityHeaders}); everywhere else, JSON (and the
 * metrics' text), {@link REST_SECURITY_HEADERS}: four headers set instead of a dozen on every callback.
 */
export function securityHeadersByAnswer(documentPaths: RegExp, documentOptions: HelmetOptions): RequestHandler {
  const documents = securityHeaders(documentOptions);
  return (req: Request, res: Response, next: NextFunction) => {
    if (documentPaths.test(req.path)) {
      documents(req, res, next);
      return;
    }
    for (const [name, value] of REST_SECURITY_HEADERS) {
      res.setHeader(name, value);
    }
    if (req.secure) {
      res.setHeader(HSTS_HEADER[0], HSTS_HEADER[1]);
    }
    next();
  };
}
