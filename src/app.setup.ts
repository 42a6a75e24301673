import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfigService } from './config/app-config.type';
import { configureObservability } from './observability/configure-observability';
import { setupSwagger } from './swagger';

/**
 * What the application needs beyond its modules: request ids, access log, metrics, helmet, CORS, request
 * timeout and graceful shutdown (`configureObservability`), Swagger. The application must be created with
 * `{ bodyParser: false }`: a route's JSON body is read by `@JsonBody()`, after its key check. Used by `main.ts` and by the e2e tests,
 * so both run the same application.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<AppConfigService>(ConfigService);
  app.disable('x-powered-by');
  // No ETag: hashing every JSON answer buys nothing for an API whose callers do not cache it.
  app.set('etag', false);
  app.set('trust proxy', trustProxySetting(config.get('TRUST_PROXY', { infer: true })));
  configureObservability(app);
  setupSwagger(app);
  return app;
}

/** TRUST_PROXY as Express's `trust proxy` setting: which proxies' `X-Forwarded-For` gives `req.ip`. */
export function trustProxySetting(value: string): boolean | number | string[] {
  const trimmed = value.trim();
  if (trimmed === 'true' || trimmed === 'false') {
    return trimmed === 'true';
  }
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  return trimmed
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
