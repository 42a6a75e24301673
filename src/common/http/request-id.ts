import type { Request } from 'express';

/** The id the application gave the request (its `X-Request-Id`), `undefined` before it was given one. */
export function requestIdOf(req: Request): string | undefined {
  return (req as Request & { id?: string }).id;
}
