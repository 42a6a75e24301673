import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JSON_MEDIA_TYPES } from './common/guards/json-body.guard';
import type { AppConfigService } from './config/app-config.type';
import { setupSwagger } from './swagger';

/**
 * What the application needs beyond its modules: the JSON body parser with its limit, Swagger, and
 * shutdown hooks. The application must be created with `{ bodyParser: false }`. Used by `main.ts` and by
 * the e2e tests, so both run the same application.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<AppConfigService>(ConfigService);
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: config.get('BODY_LIMIT', { infer: true }), type: JSON_MEDIA_TYPES });
  app.enableShutdownHooks();
  setupSwagger(app);
  return app;
}
