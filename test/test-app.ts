import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { LicenseService, type IssueLicenseInput } from '../src/license/license.service';

export interface TestApp {
  app: NestExpressApplication;
  http: App;
  dataSource: DataSource;
  licenses: LicenseService;
  /** Issues a license (a new enterprise unless given) through the service and returns its key. */
  issueKey(overrides?: Partial<IssueLicenseInput>): Promise<{ apiKey: string; licenseId: string; enterpriseId: string }>;
  close(): Promise<void>;
}

/** The real AppModule, configured as `main.ts` does, on the suite's PostgreSQL. */
export async function createTestApp(): Promise<TestApp> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: ['fatal'] });
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
