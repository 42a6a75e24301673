import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  Optional,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiJsonBodyErrors } from '../swagger/envelope.schema';
import { parseByteSize } from './byte-size';
import { restoreBodyHeaders } from './host-body-parsers';
import { hasBody, type JsonBodyLimits, readJsonBody } from './json-body-reader';
import type { RawJson } from './raw-json';

/** A route's body limit: bytes, a size (`256kb`), or worked out once from the module's providers. */
export type BodyLimit = number | string | ((moduleRef: ModuleRef) => number | string);

/** The body limits of the routes of a module that uses `@JsonBody()`: a module provides them under this token. */
export const JSON_BODY_LIMITS = Symbol('JSON_BODY_LIMITS');

/** The limits of {@link JSON_BODY_LIMITS} when a module gives none: 64 KiB within 30 s. */
export const DEFAULT_JSON_BODY_LIMITS: JsonBodyLimits = { maxBytes: 64 * 1024, timeoutMs: 30_000 };

const BODY_LIMIT_KEY = 'sms-callback:body-limit';
/** Set by {@link JsonBody} on its route: the guard of `@ApiKeyAuth()` reads the body itself, after the key. */
export const JSON_BODY_KEY = 'json-body:route';
const RAW_JSON = Symbol('rawJson');

/** The body {@link JsonBodyGuard} read, if it read one. */
export function rawJsonOf(req: Request): RawJson | undefined {
  return (req as unknown as { [RAW_JSON]?: RawJson })[RAW_JSON];
}

/**
 * Reads the route's JSON body (see {@link readJsonBody}) as the last of its guards: after the API key (and
 * rate limit) or the admin key, so that a client without a valid key costs no reading, inflating or parsing,
 * and is answered (and counted) as an authentication failure before its body is looked at. Sets `req.body`
 * (the parsed value, for `@Body()`) and the raw text (for `@RawJsonBody()`). A request that a body parser of
 * the host application already read is left as it is. Put on a route with {@link JsonBody}.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  private readonly defaults: JsonBodyLimits;
  private readonly limitsByHandler = new Map<unknown, JsonBodyLimits>();

  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(JSON_BODY_LIMITS) limits: JsonBodyLimits | null = null,
  ) {
    this.defaults = limits ?? DEFAULT_JSON_BODY_LIMITS;
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    restoreBodyHeaders(req);
    if (req.body !== undefined || !hasBody(req)) {
      return true;
    }
    return this.read(req, http.getResponse<Response>(), context);
  }

  private async read(req: Request, res: Response, context: ExecutionContext): Promise<boolean> {
    const raw = await readJsonBody(req, res, this.limitsOf(context));
    if (raw !== undefined) {
      req.body = raw.value;
      (req as unknown as { [RAW_JSON]?: RawJson })[RAW_JSON] = raw;
    }
    return true;
  }

  private limitsOf(context: ExecutionContext): JsonBodyLimits {
    const handler = context.getHandler();
    let limits = this.limitsByHandler.get(handler);
    if (limits === undefined) {
      const limit = this.reflector.getAllAndOverride<BodyLimit | undefined>(BODY_LIMIT_KEY, [
        handler,
        context.getClass(),
      ]);
      const size = typeof limit === 'function' ? limit(this.moduleRef) : limit;
      limits = size === undefined ? this.defaults : { ...this.defaults, maxBytes: parseByteSize(size) };
      this.limitsByHandler.set(handler, limits);
    }
    return limits;
  }
}

/**
 * The route takes a JSON body: read after the route's other guards (put this on the method, the key check on
 * the controller), within the module's {@link JSON_BODY_LIMITS} or the route's own `limit` (e.g. `@JsonBody('1mb')`, or
 * `@JsonBody((moduleRef) => moduleRef.get(BatchLimit).size)`, resolved once), and the timeout of the
 * module's {@link JSON_BODY_LIMITS}. With its 408/413/415 in the OpenAPI document. A route without it never reads a body.
 * Under `@ApiKeyAuth()`, whose one guard reads the body right after the key check, the JsonBodyGuard added here
 * finds it read and passes at once.
 */
export function JsonBody(limit?: BodyLimit): MethodDecorator {
  return applyDecorators(
    SetMetadata(JSON_BODY_KEY, true),
    ...(limit === undefined ? [] : [SetMetadata(BODY_LIMIT_KEY, limit)]),
    UseGuards(JsonBodyGuard),
    ApiJsonBodyErrors(),
  );
}
