import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { AllExceptionsFilter } from './filters/all-exceptions.filter';
import { EnvelopeInterceptor } from './interceptors/envelope.interceptor';
import { AppValidationPipe } from './pipes/validation.pipe';
import { RootController } from './root.controller';

/**
 * What every route shares: the envelope, one exception filter and validation. (A route that takes a JSON
 * body says so with `@JsonBody()`, which reads it after the route's key check.)
 * Registered as APP_* providers so that any test compiling AppModule behaves like production.
 */
@Global()
@Module({
  controllers: [RootController],
  providers: [
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
    { provide: APP_PIPE, useClass: AppValidationPipe },
  ],
})
export class CommonModule {}
