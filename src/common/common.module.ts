import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AllExceptionsFilter } from './filters/all-exceptions.filter';
import { JsonBodyGuard } from './guards/json-body.guard';
import { EnvelopeInterceptor } from './interceptors/envelope.interceptor';
import { AppValidationPipe } from './pipes/validation.pipe';
import { RootController } from './root.controller';

/**
 * What every route shares: the envelope, one exception filter, validation, and the JSON-body check.
 * Registered as APP_* providers so that any test compiling AppModule behaves like production.
 */
@Global()
@Module({
  controllers: [RootController],
  providers: [
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
    { provide: APP_PIPE, useClass: AppValidationPipe },
    { provide: APP_GUARD, useClass: JsonBodyGuard },
  ],
})
export class CommonModule {}
