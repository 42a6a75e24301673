import type { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { EmbeddedDatabaseHolder } from '../src/database/embedded-database.provider';
import { LicenseService, type IssueLicenseInput } from '../src/license/license.service';

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
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
  configureApp(app);
  await app.init();
  const licenses = app.get(LicenseService);
  return {
    app,
    http: app.getHttpServer() as App,
    dataSource: app.get(DataSource),
    licenses,
    async issueKey(overrides = {}) {
      const { license, apiKey } = await licenses.issue({ enterpriseId: `ent-${randomUUID()}`, ...overrides });
      return { apiKey, licenseId: license.id, enterpriseId: license.enterpriseId };
    },
    close: () => app.close(),
  };
}
