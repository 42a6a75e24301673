import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { DestinationStream, Logger } from 'pino';
import type { AppConfigService } from '../config/app-config.type';
import { AppLogger, PINO_LOGGER } from './app-logger.service';
import { createPinoLogger } from './pino-logger.factory';

/** Where the log lines go. Standard output unless a test overrides it (`overrideProvider(LOG_DESTINATION)`). */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/**
 * Structured logs: the root pino logger (LOG_LEVEL, LOG_FORMAT) and {@link AppLogger}, Nest's logger
 * over it (`main.ts` installs it with `app.useLogger`).
 */
@Global()
@Module({
  providers: [
    { provide: LOG_DESTINATION, useValue: null },
    {
      provide: PINO_LOGGER,
      inject: [ConfigService, LOG_DESTINATION],
      useFactory: (config: AppConfigService, destination: DestinationStream | null): Logger => {
        const { logger, formatFallback } = createPinoLogger({
          level: config.get('LOG_LEVEL', { infer: true }),
          format: config.get('LOG_FORMAT', { infer: true }),
          destination: destination ?? undefined,
        });
        if (formatFallback) {
          logger.warn({ context: 'Logging' }, formatFallback);
        }
        return logger;
      },
    },
    AppLogger,
  ],
  exports: [PINO_LOGGER, AppLogger],
})
export class LoggingModule {}
