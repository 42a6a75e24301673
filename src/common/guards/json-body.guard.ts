import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../api-error';

/** The media types the JSON body parser reads (see `configureApp`). */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Answers 415 to a request that carries a body in another format than JSON, before anything else
 * looks at it: without it, a form or text body would read as "every field is missing".
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') {
      return true;
    }
    const request = context.switchToHttp().getRequest<Request>();
    if (!METHODS_WITH_BODY.has(request.method) || !hasBody(request) || request.is(JSON_MEDIA_TYPES)) {
      return true;
    }
    const received = request.headers['content-type'] ?? '(none)';
    throw ApiError.field(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'Content-Type',
      'isJson',
      `The body must be sent as Content-Type: application/json (received ${received}).`,
    );
  }
}

function hasBody(request: Request): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}
