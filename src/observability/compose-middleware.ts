import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs Express middlewares one after the other as a single one. Express's router pays a layer (path
 * match, parameter processing, try/catch) for every `app.use`, on every request, matched or not; the
 * HTTP layer of this service is a handful of small middlewares that all apply to every path, so they
 * share one layer. Same contract as the router's: `next(err)` skips to the error handlers, and a
 * middleware that throws, or returns a promise that rejects, is the same as `next(err)`.
 */
export function composeMiddleware(handlers: readonly RequestHandler[]): RequestHandler {
  const chain = [...handlers];
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const next = (err?: unknown): void => {
      if (err !== undefined && err !== null && err !== 'route') {
        done(err);
        return;
      }
      const handler = chain[index++];
      if (handler === undefined) {
        done();
        return;
      }
      try {
        const returned: unknown = handler(req, res, next);
        if (returned instanceof Promise) {
          // As Express 5's router does: an async middleware's rejection goes to the error handlers.
          returned.catch((rejection: unknown) => done(rejection ?? new Error('Rejected promise')));
        }
      } catch (thrown) {
        done(thrown);
      }
    };
    next();
  };
}
