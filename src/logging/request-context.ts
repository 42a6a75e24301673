import { createHash, randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { holdsSecret } from '../common/redact';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * A request id a client may choose: up to 128 characters of letters, digits and `. _ : @ -` (UUIDs, trace
 * ids, `vendor-req-42`), nothing that could forge a log line or a header, and not the base64 alphabet's
 * `+ / =`, in which generated secrets are written.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export interface RequestContextOptions {
  /** Secrets of the service (the admin key, the metrics token) that a client's id must never be. */
  secrets?: ReadonlyArray<string | undefined>;
}

/**
 * Gives each request its id: the client's `X-Request-Id` when it has the safe shape and holds no credential
 * (an API key, a bearer token, one of `secrets`), a new UUID otherwise; returns it in the same header. The
 * access line and the exception filter's lines carry it, unredacted: hence the shape. (Not an
 * AsyncLocalStorage context for every log call: on Node 20 that hooks every promise of every request and
 * cost ~18% of the callback's throughput.)
 */
export function requestContext(options: RequestContextOptions = {}): RequestHandler {
  const secretDigests = new Set(
    (options.secrets ?? []).filter((secret): secret is string => Boolean(secret)).map(digest),
  );
  const acceptable = (offered: unknown): offered is string =>
    typeof offered === 'string' &&
    SAFE_REQUEST_ID.test(offered) &&
    !holdsSecret(offered) &&
    (secretDigests.size === 0 || !secretDigests.has(digest(offered)));
  return (req: Request, res: Response, next: NextFunction) => {
    const offered = req.headers['x-request-id'];
    const requestId = acceptable(offered) ? offered : randomUUID();
    (req as Request & { id: string }).id = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    next();
  };
}

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}
