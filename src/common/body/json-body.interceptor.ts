import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import type { AppConfigService } from '../../config/app-config.type';
import { parseByteSize } from './byte-size';
import { hasBody, type JsonBodyLimits, readJsonBody } from './json-body-reader';
import type { RawJson } from './raw-json';

/** A route's body limit: bytes, a size (`256kb`), or worked out from the configuration once. */
export type BodyLimit = number | string | ((config: AppConfigService) => number | string);

const BODY_LIMIT_KEY = 'sms-callback:body-limit';

/**
 * A route whose body may be larger (or must be smaller) than BODY_LIMIT, e.g.
 * `@JsonBodyLimit((config) => config.get('BATCH_BODY_LIMIT', { infer: true }))`. Resolved once per route.
 */
export const JsonBodyLimit = (limit: BodyLimit): MethodDecorator & ClassDecorator => SetMetadata(BODY_LIMIT_KEY, limit);

const RAW_JSON = Symbol('rawJson');

/** The body {@link JsonBodyInterceptor} read, if it read one. */
export function rawJsonOf(req: Request): RawJson | undefined {
  return (req as unknown as { [RAW_JSON]?: RawJson })[RAW_JSON];
}

/**
 * Reads the JSON body (see {@link readJsonBody}) after every guard of the route has passed, so that a client
 * without a valid API key costs no reading, inflating or parsing, and is answered (and counted) as an
 * authentication failure before its body is looked at. Sets `req.body` (the parsed value, for `@Body()`) and
 * the raw text (for `@RawJsonBody()`). A request that a body parser of the host application already read is
 * left as it is.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  private readonly defaults: JsonBodyLimits;
  private readonly limitsByHandler = new Map<unknown, JsonBodyLimits>();

  constructor(
    @Inject(ConfigService) private readonly config: AppConfigService,
    private readonly reflector: Reflector,
  ) {
    this.defaults = {
      maxBytes: parseByteSize(config.get('BODY_LIMIT', { infer: true })),
      timeoutMs: config.get('BODY_TIMEOUT_MS', { infer: true }),
    };
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    if (context.getType() !== 'http') {
      return next.handle();
    }
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (req.body !== undefined || !hasBody(req)) {
      return next.handle();
    }
    return this.readThenHandle(req, http.getResponse<Response>(), context, next);
  }

  private async readThenHandle(
    req: Request,
    res: Response,
    context: ExecutionContext,
    next: CallHandler,
  ): Promise<Observable<unknown>> {
    const raw = await readJsonBody(req, res, this.limitsOf(context));
    if (raw !== undefined) {
      req.body = raw.value;
      (req as unknown as { [RAW_JSON]?: RawJson })[RAW_JSON] = raw;
    }
    return next.handle();
  }

  private limitsOf(context: ExecutionContext): JsonBodyLimits {
    const handler = context.getHandler();
    let limits = this.limitsByHandler.get(handler);
    if (limits === undefined) {
      const limit = this.reflector.getAllAndOverride<BodyLimit | undefined>(BODY_LIMIT_KEY, [
        handler,
        context.getClass(),
      ]);
      const size = typeof limit === 'function' ? limit(this.config) : limit;
      limits = size === undefined ? this.defaults : { ...this.defaults, maxBytes: parseByteSize(size) };
      this.limitsByHandler.set(handler, limits);
    }
    return limits;
  }
}
