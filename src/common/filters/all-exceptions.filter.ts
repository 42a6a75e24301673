import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../api-error';
import { errorEnvelope, FieldErrors, statusText } from '../envelope';
import { requestIdOf } from '../../logging/request-context';
import { redactUrl } from '../../logging/redact';
import { lingerOnClose } from '../http/lingering-close';
import { allowedMethods } from './allowed-methods';
import { isDatabaseTimeout, isDatabaseUnavailable, unstorableValueCode } from './database-errors';

interface Answer {
  status: number;
  message: string;
  errors: FieldErrors | null;
  headers?: Record<string, string>;
}

/** Seconds a vendor is asked to wait before sending again when the database is out of reach. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Every failure, from any layer (body parser, router, guard, pipe, handler, database), answered as the
 * envelope with the right status. Unknown errors become a 500 with an error id that is logged with the
 * stack; the body never carries a stack, SQL or an internal message.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request>();
    const response = host.switchToHttp().getResponse<Response>();
    const answer = this.describe(exception, request);
    if (response.headersSent) {
      response.end();
      return;
    }
    for (const [name, value] of Object.entries(answer.headers ?? {})) {
      response.setHeader(name, value);
    }
    if (!request.complete) {
      // Answered before its body arrived (a 401, a 413 by its declared length, a 408...): reading the rest
      // only to keep the connection would let a client make the server take any amount of data.
      response.setHeader('Connection', 'close');
      lingerOnClose(request.socket);
    }
    response.status(answer.status).json(errorEnvelope(answer.status, answer.message, answer.errors));
  }

  private describe(exception: unknown, request: Request): Answer {
    if (exception instanceof HttpException) {
      return this.describeHttpException(exception, request);
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({
        msg: `Database unavailable on ${request.method} ${redactUrl(request.path)}: ${errorMessage(exception)}`,
        reqId: requestIdOf(request),
      });
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        message: unavailableMessage(request.method, isDatabaseTimeout(exception)),
        errors: null,
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      };
    }
    const dataError = unstorableValueCode(exception);
    if (dataError) {
      // Every client string is checked by its DTO (400 naming the field): this is the net under them.
      this.logger.warn({
        msg: `A value the database cannot store on ${request.method} ${redactUrl(request.path)}: SQLSTATE ${dataError}`,
        reqId: requestIdOf(request),
      });
      return {
        status: HttpStatus.BAD_REQUEST,
        message: 'The request holds a value the database cannot store (e.g. a NUL character); nothing was stored.',
        errors: { request: { isStorable: `The database refused a value (SQLSTATE ${dataError}).` } },
      };
    }
    const errorId = randomUUID();
    this.logger.error(
      {
        msg: `Unexpected error ${errorId} on ${request.method} ${redactUrl(request.path)}`,
        reqId: requestIdOf(request),
      },
      exception instanceof Error ? exception.stack : String(exception),
    );
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      message: `Internal server error (error id ${errorId}).`,
      errors: { server: { errorId } },
    };
  }

  private describeHttpException(exception: HttpException, request: Request): Answer {
    const status = exception.getStatus();
    if (exception instanceof ApiError) {
      return { status, message: exception.message, errors: exception.errors, headers: exception.headers };
    }
    // No route matched (`req.route` unset): a path that exists with other methods is a 405.
    if (status === Number(HttpStatus.NOT_FOUND) && !(request as { route?: unknown }).route) {
      return this.describeUnmatchedRoute(request);
    }
    const bodyParserType = (exception.cause as { type?: unknown } | undefined)?.type;
    if (typeof bodyParserType === 'string') {
      return describeBodyParserError(status, bodyParserType, exception.message);
    }
    return { status, message: messageOf(exception), errors: null };
  }

  private describeUnmatchedRoute(request: Request): Answer {
    const methods = allowedMethods(this.adapterHost.httpAdapter.getInstance(), request.path);
    if (methods.length === 0) {
      return {
        status: HttpStatus.NOT_FOUND,
        message: `No route ${request.method} ${request.path}.`,
        errors: null,
      };
    }
    const allow = methods.join(', ');
    return {
      status: HttpStatus.METHOD_NOT_ALLOWED,
      message: `${request.method} is not allowed on ${request.path}; allowed: ${allow}.`,
      errors: { method: { isAllowed: `allowed methods: ${allow}` } },
      headers: { Allow: allow },
    };
  }
}

function describeBodyParserError(status: number, type: string, detail: string): Answer {
  switch (type) {
    case 'entity.parse.failed':
      return {
        status: HttpStatus.BAD_REQUEST,
        message: 'The body is not valid JSON.',
        errors: { body: { isJson: detail } },
      };
    case 'entity.too.large':
      return {
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        message: 'The body is larger than this service accepts.',
        errors: { body: { maxSize: detail } },
      };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return {
        status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        message: 'The body must be JSON in UTF-8, optionally gzip- or deflate-encoded.',
        errors: { 'Content-Type': { isSupported: detail } },
      };
    default:
      return { status, message: detail || statusText(status), errors: { body: { [type]: detail } } };
  }
}

function messageOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') {
    return body;
  }
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) {
    return message.join('; ');
  }
  return typeof message === 'string' ? message : statusText(exception.getStatus());
}

/**
 * What a 503 from the database says: whether it did not answer in time (a statement timeout) or could not be reached,
 * and for a read, which changes nothing, what helps (a narrower range) instead of "nothing was stored".
 */
function unavailableMessage(method: string, timedOut: boolean): string {
  const read = method === 'GET' || method === 'HEAD';
  if (timedOut) {
    return read
      ? 'The database did not answer in time (statement timeout, DB_STATEMENT_TIMEOUT_MS). Send the request again ' +
          'later, or narrow it (a shorter sentFrom/sentTo range, more filters).'
      : 'The database did not answer in time (statement timeout); nothing was stored. Send the request again later.';
  }
  return read
    ? 'The database is unavailable. Send the request again later.'
    : 'The database is unavailable; nothing was stored. Send the request again later.';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
