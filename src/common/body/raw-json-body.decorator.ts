import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { rawJsonOf } from './json-body.guard';
import { RawJson } from './raw-json';

/**
 * The JSON body as received: its exact text and its parsed value, unknown fields included (the validated DTO
 * drops those). Behind a body parser of the host's own (no text kept), the value serialised again.
 */
export const RawJsonBody = createParamDecorator((_data: unknown, context: ExecutionContext): RawJson => {
  const request = context.switchToHttp().getRequest<Request>();
  return rawJsonOf(request) ?? RawJson.of(request.body);
});
