import { ConfigService } from '@nestjs/config';
import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import type { AppConfigService } from '../config/app-config.type';
import { enableGracefulShutdown } from '../health/graceful-shutdown';
import { Lifecycle } from '../health/lifecycle.service';
import { PINO_LOGGER } from '../logging/app-logger.service';
import { httpAccessLog } from '../logging/http-access-log';
import { REQUEST_ID_HEADER, requestContext } from '../logging/request-context';
import { MetricsService } from '../metrics/metrics.service';
import { composeMiddleware } from './compose-middleware';
import { hardenHttpServer, httpProtocolChecks } from './http-server-hardening';
import { captureErrorAnswers } from '../common/http/request-info';
import { requestTimeout } from './request-timeout';
import { HelmetOptions, securityHeadersByAnswer } from './security-headers';

/**
 * The HTTP layer of running in production, in the order a request meets it, before the body parser and
 * the routes: request id and log context, security headers (the REST set; helmet's on /docs), CORS (only when CORS_ORIGINS is
 * set), the access line and the metrics (which see every answer, including 503s and malformed bodies),
 * the HTTP protocol checks (Host, Expect), the shutdown gate, and the request timeout. Plus the HTTP
 * server's hardening (timeouts, connection bounds) and the graceful shutdown on SIGTERM/SIGINT. Called by
 * `configureApp` after `trust proxy` is set, so the tests run it too.
 *
 * The middlewares run as one Express layer each side of CORS (see {@link composeMiddleware}): every
 * request passes all of them.
 */
export function configureObservability(app: NestExpressApplication): void {
  const config = app.get<AppConfigService>(ConfigService);
  const secrets = [config.get('ADMIN_API_KEY', { infer: true }), config.get('METRICS_TOKEN', { infer: true })];
  captureErrorAnswers(app.getHttpAdapter().getInstance());
  app.use(composeMiddleware([requestContext({ secrets }), securityHeadersByAnswer(DOCUMENT_PATHS, HELMET_OPTIONS)]));
  const origins = config.get('CORS_ORIGINS', { infer: true });
  if (origins) {
    app.enableCors(corsOptions(origins));
  }
  app.use(
    composeMiddleware([
      httpAccessLog(app.get<Logger>(PINO_LOGGER)),
      app.get(MetricsService).httpMiddleware(),
      httpProtocolChecks,
      app.get(Lifecycle).gate(),
      requestTimeout(config.get('REQUEST_TIMEOUT_MS', { infer: true })),
    ]),
  );
  const express = app.getHttpAdapter().getInstance() as { get(setting: string): unknown };
  const trust = express.get('trust proxy fn') as (address: string, hop: number) => boolean;
  hardenHttpServer(app.getHttpServer(), {
    headersTimeoutMs: config.get('HEADERS_TIMEOUT_MS', { infer: true }),
    bodyTimeoutMs: config.get('BODY_TIMEOUT_MS', { infer: true }),
    maxConnections: config.get('MAX_CONNECTIONS', { infer: true }),
    maxConnectionsPerClient: config.get('MAX_CONNECTIONS_PER_CLIENT', { infer: true }),
    isTrustedProxy: (address) => trust(address, 0),
  });
  enableGracefulShutdown(app, { timeoutMs: config.get('SHUTDOWN_TIMEOUT_MS', { infer: true }) });
}

/** The Swagger UI (`/docs`, its scripts, `/docs/contract.md`) and its document (`/docs-json`): helmet's full set. */
const DOCUMENT_PATHS = /^\/docs(?:[/-]|$)/;

/**
 * helmet's defaults (on the documents only: JSON answers get the REST set), with a content security policy that the Swagger UI at /docs works under: its
 * validator badge image, and no `upgrade-insecure-requests` (which breaks /docs served over plain HTTP
 * on an internal network; TLS is the load balancer's job).
 */
const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: { 'img-src': ["'self'", 'data:', 'validator.swagger.io'], 'upgrade-insecure-requests': null },
  },
};

function corsOptions(origins: string): CorsOptions {
  return {
    origin: origins.trim() === '*' ? '*' : origins.split(',').map((origin) => origin.trim()),
    methods: ['GET', 'HEAD', 'POST'],
    allowedHeaders: ['Content-Type', 'API-KEY', REQUEST_ID_HEADER],
    exposedHeaders: [REQUEST_ID_HEADER, 'Retry-After', 'Idempotent-Replayed'],
    maxAge: 600,
  };
}
