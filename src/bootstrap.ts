import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import type { AppConfigService } from './config/app-config.type';
import { AppLogger } from './logging/app-logger.service';

/** One process of the service (the only one, or a worker of the multi-process mode): Nest, listening. */
export async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  logProcessFailures();
  configureApp(app);
  const config = app.get<AppConfigService>(ConfigService);
  const port = config.get('PORT', { infer: true });
  await app.listen(port, config.get('HOST', { infer: true }));
  Logger.log(`Listening on ${await app.getUrl()} (API docs at /docs)`, 'Bootstrap');
}

/** A promise rejected with no handler is a bug to log, not a reason to drop every request in flight. */
function logProcessFailures(): void {
  process.on('unhandledRejection', (reason: unknown) => {
    Logger.error('Unhandled promise rejection', reason instanceof Error ? reason.stack : String(reason), 'Process');
  });
}

/** {@link bootstrap}, and a failure to start logged in one line (exit code 1). */
export function startService(): void {
  bootstrap().catch((err: unknown) => {
    Logger.error(err instanceof Error ? err.message : String(err), undefined, 'Bootstrap');
    process.exit(1);
  });
}
