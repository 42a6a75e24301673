import { aLicense } from './factories';
import { TcpProxy } from './tcp-proxy';
import type { Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { DestinationStream } from 'pino';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { validateEnv } from '../../src/config/env.validation';
import { EmbeddedDatabaseHolder } from '../../src/database/embedded-database.provider';
import { LicenseService, type IssueLicenseInput } from '../../src/license/license.service';
import { AppLogger } from '../../src/logging/app-logger.service';
import { LOG_DESTINATION } from '../../src/logging/logging.module';

export interface TestApp {
  app: NestExpressApplication;
  http: App;
  dataSource: DataSource;
  licenses: LicenseService;
  /** Issues a license (a new enterprise unless given) through the service and returns its key. */
  issueKey(
    overrides?: Partial<IssueLicenseInput>,
  ): Promise<{ apiKey: string; licenseId: string; enterpriseId: string }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Connect to this URL instead of the suite's DATABASE_URL (e.g. through a proxy a test can cut). */
  databaseUrl?: string;
  /** Extra controllers, for tests that need a route the service does not have (e.g. one that throws). */
  controllers?: Type<unknown>[];
  /** Environment variables for this application only (`undefined` unsets one), validated like the real ones. */
  env?: Record<string, string | undefined>;
  /** Log as `main.ts` does (AppLogger, JSON lines) into this stream; without it the application logs nothing. */
  logDestination?: DestinationStream;
}

/** The real AppModule, configured as `main.ts` does, on the suite's PostgreSQL. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  let builder = Test.createTestingModule({ imports: [AppModule], controllers: options.controllers ?? [] });
  if (options.databaseUrl) {
    const url = options.databaseUrl;
    builder = builder.overrideProvider(EmbeddedDatabaseHolder).useValue({
      connectionSettings: async () => ({ url, poolSize: Number(process.env.DB_POOL_SIZE ?? 4) }),
      onApplicationShutdown: async () => undefined,
    });
  }
  if (options.env) {
    builder = builder.overrideProvider(ConfigService).useValue(configServiceWith(options.env));
  }
  if (options.logDestination) {
    builder = builder.overrideProvider(LOG_DESTINATION).useValue(options.logDestination);
  }
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(
    options.logDestination ? { bodyParser: false, bufferLogs: true } : { bodyParser: false, logger: false },
  );
  if (options.logDestination) {
    app.useLogger(app.get(AppLogger));
  }
  configureApp(app);
  await app.init();
  const licenses = app.get(LicenseService);
  return {
    app,
    http: app.getHttpServer() as App,
    dataSource: app.get(DataSource),
    licenses,
    async issueKey(overrides = {}) {
      const { id, enterpriseId, apiKey } = await licenses.issue(aLicense(overrides));
      return { apiKey, licenseId: id, enterpriseId };
    },
    close: () => app.close(),
  };
}

/** A ConfigService that reads the process environment with `env` on top, and nothing else. */
function configServiceWith(env: Record<string, string | undefined>): ConfigService {
  const merged: Record<string, unknown> = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) {
      delete merged[name];
    } else {
      merged[name] = value;
    }
  }
  const service = new ConfigService({ ...validateEnv(merged) });
  // Like ConfigModule's `skipProcessEnv` option: what is unset here stays unset.
  (service as unknown as { skipProcessEnv: boolean }).skipProcessEnv = true;
  return service;
}

/**
 * The real AppModule connected to the suite's database through a TCP proxy that the test can cut, stall
 * and restore, to play an outage without touching the database. `close()` restores the proxy (dropping
 * stalled connections) so the app can close its pool, then stops both.
 */
export async function createTestAppBehindProxy(): Promise<{ t: TestApp; proxy: TcpProxy; close(): Promise<void> }> {
  const databaseUrl = process.env.DATABASE_URL!;
  const proxy = await TcpProxy.start(databaseUrl);
  const t = await createTestApp({ databaseUrl: proxy.urlFor(databaseUrl) });
  return {
    t,
    proxy,
    async close() {
      await proxy.down();
      await proxy.up();
      await t.close();
      await proxy.down();
    },
  };
}
