import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, Observable } from 'rxjs';
import { Envelope, Page, successEnvelope, TOTAL_CAPPED_HEADER } from '../envelope';

const ENVELOPED = Symbol('enveloped');

/**
 * Wraps what a route returns in the envelope. `code` is the status the response is sent with; a
 * {@link Page} fills `total_record` and `current_page` (and sets `Total-Record-Capped: true` when its total is a
 * cap). Errors never pass here: the exception filter
 * answers them (a guard's refusal happens before any interceptor runs).
 */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<Envelope | undefined> {
    if (context.getType() !== 'http') {
      return next.handle();
    }
    const response = context.switchToHttp().getResponse<Response>();
    const request = context.switchToHttp().getRequest<{ [ENVELOPED]?: true }>();
    if (request[ENVELOPED]) {
      // Registered on the route and globally too: the outer one wraps, the inner one passes.
      return next.handle();
    }
    request[ENVELOPED] = true;
    return next.handle().pipe(
      map((data: unknown) => {
        if (data instanceof Page && data.totalCapped) {
          response.setHeader(TOTAL_CAPPED_HEADER, 'true');
        }
        return response.statusCode === 204 ? undefined : successEnvelope(response.statusCode, data);
      }),
    );
  }
}
