import { answerUnavailable } from '../common/http/unavailable';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { attachRequestDeadline } from '../common/http/request-deadline';
import { redactUrl } from '../common/redact';
import { onResponseClosed } from '../common/http/response-closed';

const logger = new Logger('RequestTimeout');

/**
 * Answers 503 + Retry-After to a request still unanswered after `timeoutMs`, whatever it waits for (a
 * database that stopped answering, a pool with no free connection): no request hangs. The work may still
 * complete afterwards; that is safe, because 503 means "send it again" and sending again never stores
 * twice. What the handler tries to send after that is dropped.
 *
 * The clock is held while the body arrives (see `RequestDeadline`): reading the body has its own bound.
 */
export function requestTimeout(timeoutMs: number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const expire = () => {
      if (res.headersSent || res.writableEnded) {
        return;
      }
      logger.warn(`${req.method} ${redactUrl(req.originalUrl)} unanswered after ${timeoutMs} ms: answered 503`);
      answerUnavailable(
        res,
        `The request took longer than ${timeoutMs} ms. Send it again later (a callback sent again is never stored twice).`,
      );
      dropLateAnswer(res);
    };
    let closed = false;
    let timer: NodeJS.Timeout | undefined = setTimeout(expire, timeoutMs);
    timer.unref();
    attachRequestDeadline(res, {
      hold: () => {
        clearTimeout(timer);
        timer = undefined;
      },
      restart: () => {
        clearTimeout(timer);
        if (closed) {
          return;
        }
        timer = setTimeout(expire, timeoutMs);
        timer.unref();
      },
    });
    onResponseClosed(res, () => {
      closed = true;
      clearTimeout(timer);
    });
    next();
  };
}

/** Makes the response's writers no-ops, so that the late answer of the handler neither throws nor logs. */
function dropLateAnswer(res: Response): void {
  const ignore = function (this: Response): Response {
    return this;
  };
  Object.assign(res, { status: ignore, set: ignore, header: ignore, setHeader: ignore, json: ignore, send: ignore });
}
