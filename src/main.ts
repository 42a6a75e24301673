import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import type { AppConfigService } from './config/app-config.type';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  configureApp(app);
  const config = app.get<AppConfigService>(ConfigService);
  app.useLogger([...levelsFrom(config.get('LOG_LEVEL', { infer: true }))]);
  const port = config.get('PORT', { infer: true });
  await app.listen(port, config.get('HOST', { infer: true }));
  Logger.log(`Listening on ${await app.getUrl()} (API docs at /docs)`, 'Bootstrap');
}

const LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
function levelsFrom(level: (typeof LEVELS)[number]): (typeof LEVELS)[number][] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

bootstrap().catch((err: unknown) => {
  Logger.error(err instanceof Error ? err.message : String(err), undefined, 'Bootstrap');
  process.exit(1);
});
