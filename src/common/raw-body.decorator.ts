import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** The parsed JSON body as received, unknown fields included (the validated DTO drops those). */
export const RawJsonBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Record<string, unknown> =>
    context.switchToHttp().getRequest<Request>().body as Record<string, unknown>,
);
