import { applyDecorators, UseFilters, UseInterceptors, UsePipes } from '@nestjs/common';
import { AllExceptionsFilter } from './filters/all-exceptions.filter';
import { EnvelopeInterceptor } from './interceptors/envelope.interceptor';
import { AppValidationPipe } from './pipes/validation.pipe';

/**
 * The platform's contract on the routes of one controller: every answer in the envelope, the DTOs'
 * validation, and every failure through the one exception filter. Scoped to the controller, so that a host
 * application's own routes stay as the host made them; in an application that also registers them globally
 * (this service's `CommonModule`), they still apply once.
 */
export function ApiContract(): ClassDecorator {
  return applyDecorators(
    UseFilters(AllExceptionsFilter),
    UseInterceptors(EnvelopeInterceptor),
    UsePipes(AppValidationPipe),
  );
}
