import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import type { AppConfigService } from './config/app-config.type';
import { environmentProblems } from './config/env.validation';
import { readEnvironment } from './config/read-environment';
import { applyHeapGrowingPercent } from './heap-growth';
import { AppLogger } from './logging/app-logger.service';
import { createPinoLogger } from './logging/pino-logger.factory';

async function bootstrap(): Promise<void> {
  refuseBadEnvironment();
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  logProcessFailures();
  configureApp(app);
  const config = app.get<AppConfigService>(ConfigService);
  applyHeapGrowingPercent(config.get('HEAP_GROWING_PERCENT', { infer: true }));
  const port = config.get('PORT', { infer: true });
  await app.listen(port, config.get('HOST', { infer: true }));
  Logger.log(`Listening on ${await app.getUrl()} (API docs at /docs)`, 'Bootstrap');
}

/**
 * A bad environment stops the process before Nest starts: one log line per bad variable (in LOG_FORMAT,
 * never the value of a secret), no stack, exit code 1.
 */
function refuseBadEnvironment(): void {
  const env = readEnvironment();
  const problems = environmentProblems(env);
  if (problems.length === 0) {
    return;
  }
  const { logger } = createPinoLogger({ level: 'log', format: env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json' });
  for (const { variable, message } of problems) {
    logger.fatal({ context: 'Config', variable }, message);
  }
  process.exit(1);
}

/** A promise rejected with no handler is a bug to log, not a reason to drop every request in flight. */
function logProcessFailures(): void {
  process.on('unhandledRejection', (reason: unknown) => {
    Logger.error('Unhandled promise rejection', reason instanceof Error ? reason.stack : String(reason), 'Process');
  });
}

bootstrap().catch((err: unknown) => {
  Logger.error(err instanceof Error ? err.message : String(err), undefined, 'Bootstrap');
  process.exit(1);
});
