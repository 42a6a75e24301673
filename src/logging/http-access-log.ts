import { Logger as NestLogger } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { errorAnswerOf, licenseIdOf, routeOf } from '../common/http/request-info';
import { redactUrl } from '../common/redact';

/**
 * One access line per request, written when its response is sent (or the client goes away):
 * `reqId`, `method`, `route` (the pattern), `url` (secrets redacted), `status`, `latencyMs`, `licenseId` (when an API-KEY
 * authenticated it), `ip`, and for an error the envelope's `message` and the rules that failed (`errors`).
 * Info level; 5xx at error (503 at warn: expected during an outage or a shutdown). Headers and bodies are
 * not logged.
 *
 * Follows Nest's logger switch: an application created with `logger: false` (the tests) writes none.
 */
export function httpAccessLog(root: Logger): RequestHandler {
  const middleware = pinoHttp({
    logger: root,
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'reqId' },
    autoLogging: { ignore: () => !NestLogger.isLevelEnabled('log') },
    customLogLevel: (_req, res) => levelOf(res.statusCode),
    customSuccessMessage: (req, res) => line(req, res),
    customErrorMessage: (req, res) => line(req, res),
    customSuccessObject: (req, res) => accessFields(req, res),
    customErrorObject: (req, res) => accessFields(req, res),
  });
  return (req, res, next) => {
    if (!NestLogger.isLevelEnabled('log') || !root.isLevelEnabled('info')) {
      // Access lines are off (LOG_LEVEL above `log`): skip pino-http's per-request child logger too.
      // Refusals and failures are still logged by the exception filter.
      next();
      return;
    }
    started.set(res, performance.now());
    middleware(req, res, next);
  };
}

const started = new WeakMap<object, number>();

/** Milliseconds since the request reached this middleware, to 0.1 ms. */
function latencyOf(res: ServerResponse): number {
  return Math.round((performance.now() - (started.get(res) ?? performance.now())) * 10) / 10;
}

function levelOf(status: number): 'info' | 'warn' | 'error' {
  if (status === 503) {
    return 'warn';
  }
  return status >= 500 ? 'error' : 'info';
}

function accessFields(rawReq: IncomingMessage, rawRes: ServerResponse): Record<string, unknown> {
  const req = rawReq as Request;
  const res = rawRes as Response;
  const fields: Record<string, unknown> = {
    method: req.method,
    route: routeOf(req),
    url: redactUrl(req.originalUrl),
    status: res.statusCode,
    latencyMs: latencyOf(res),
    licenseId: licenseIdOf(req) ?? null,
    ip: req.ip,
  };
  if (!res.writableFinished) {
    fields.aborted = true;
  }
  const answer = errorAnswerOf(res);
  if (answer) {
    fields.error = answer.message;
    // Which rules failed, not their text: `["API-KEY.isValid"]`, `["msisdn.isNotEmpty", "retryCount.min"]`.
    fields.errors = Object.entries(answer.errors ?? {}).flatMap(([field, rules]) =>
      Object.keys(rules).map((rule) => `${field}.${rule}`),
    );
  }
  return fields;
}

function line(rawReq: IncomingMessage, rawRes: ServerResponse): string {
  const req = rawReq as Request;
  return `${req.method} ${routeOf(req)} ${rawRes.statusCode} ${latencyOf(rawRes)}ms`;
}
