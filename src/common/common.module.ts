import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { JsonBodyInterceptor } from './body/json-body.interceptor';
import { AllExceptionsFilter } from './filters/all-exceptions.filter';
import { EnvelopeInterceptor } from './interceptors/envelope.interceptor';
import { AppValidationPipe } from './pipes/validation.pipe';
import { RootController } from './root.controller';

/**
 * What every route shares: the envelope, one exception filter, validation, and the JSON body, read after the
 * route's guards.
 * Registered as APP_* providers so that any test compiling AppModule behaves like production.
 */
@Global()
@Module({
  controllers: [RootController],
  providers: [
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
    // After the envelope: the body is read once every guard (the API key) has passed.
    { provide: APP_INTERCEPTOR, useClass: JsonBodyInterceptor },
    { provide: APP_PIPE, useClass: AppValidationPipe },
  ],
})
export class CommonModule {}
