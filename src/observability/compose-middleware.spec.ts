import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { composeMiddleware } from './compose-middleware';

describe('composeMiddleware', () => {
  const req = {} as Request;
  const res = {} as Response;

  function run(handlers: RequestHandler[]): unknown[] {
    const calls: unknown[] = [];
    composeMiddleware(handlers)(req, res, ((err?: unknown) => calls.push(['done', err])) as NextFunction);
    return calls;
  }

  it('should run the middlewares in order, with the same request and response, then the next layer', () => {
    const seen: string[] = [];
    const step =
      (name: string): RequestHandler =>
      (q, s, next) => {
        expect(q).toBe(req);
        expect(s).toBe(res);
        seen.push(name);
        next();
      };
    expect(run([step('a'), step('b'), step('c')])).toEqual([['done', undefined]]);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('should stop at a middleware that answers without calling next', () => {
    const after = jest.fn();
    expect(run([(_q, _s, _next) => undefined, after])).toEqual([]);
    expect(after).not.toHaveBeenCalled();
  });

  it('should hand an error passed to next, or thrown, to the error handlers and skip the rest', () => {
    const failure = new Error('boom');
    const after = jest.fn();
    expect(run([(_q, _s, next) => next(failure), after])).toEqual([['done', failure]]);
    expect(
      run([
        () => {
          throw failure;
        },
        after,
      ]),
    ).toEqual([['done', failure]]);
    expect(after).not.toHaveBeenCalled();
  });

  it('should hand the rejection of an async middleware to the error handlers', async () => {
    const failure = new Error('async boom');
    const handled = new Promise<unknown>((resolve) => {
      composeMiddleware([
        async () => {
          throw failure;
        },
      ])(req, res, resolve as NextFunction);
    });
    await expect(handled).resolves.toBe(failure);
  });

  it('should go on when a middleware calls next later (asynchronously)', async () => {
    const seen: string[] = [];
    const finished = new Promise<unknown>((resolve) => {
      composeMiddleware([
        (_q, _s, next) => setImmediate(() => next()),
        (_q, _s, next) => {
          seen.push('second');
          next();
        },
      ])(req, res, resolve as NextFunction);
    });
    await expect(finished).resolves.toBeUndefined();
    expect(seen).toEqual(['second']);
  });

  it('should call the next layer at once when given no middleware', () => {
    expect(run([])).toEqual([['done', undefined]]);
  });
});
