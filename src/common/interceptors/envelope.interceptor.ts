import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, Observable } from 'rxjs';
import { Envelope, successEnvelope } from '../envelope';

/**
 * Wraps what a route returns in the envelope. `code` is the status the response is sent with; a
 * {@link Page} fills `total_record` and `current_page`. Errors never pass here: the exception filter
 * answers them (a guard's refusal happens before any interceptor runs).
 */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<Envelope | undefined> {
    if (context.getType() !== 'http') {
      return next.handle();
    }
    const response = context.switchToHttp().getResponse<Response>();
    return next
      .handle()
      .pipe(
        map((data: unknown) => (response.statusCode === 204 ? undefined : successEnvelope(response.statusCode, data))),
      );
  }
}
