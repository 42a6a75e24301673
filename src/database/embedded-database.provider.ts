import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { AppConfigService } from '../config/app-config.type';
import type { DatabaseConnectionSettings } from './data-source.options';
import { EmbeddedDatabase } from './embedded-database';

export const EMBEDDED_DATABASE_OPTIONS = Symbol('EMBEDDED_DATABASE_OPTIONS');

/**
 * Starts the embedded PostgreSQL when DATABASE_URL is not set, and stops it (after closing the
 * TypeORM pool that talks to it) when the application shuts down.
 */
@Injectable()
export class EmbeddedDatabaseHolder implements OnApplicationShutdown {
  private readonly logger = new Logger('EmbeddedDatabase');
  private instance?: EmbeddedDatabase;

  constructor(
    @Inject(ConfigService) private readonly config: AppConfigService,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(EMBEDDED_DATABASE_OPTIONS) private readonly options: { attachIfRunning?: boolean } = {},
  ) {}

  /** The URL to connect to, and the pool size that suits it. */
  async connectionSettings(): Promise<DatabaseConnectionSettings> {
    const timeouts = {
      connectTimeoutMs: this.config.get('DB_CONNECT_TIMEOUT_MS', { infer: true }),
      statementTimeoutMs: this.config.get('DB_STATEMENT_TIMEOUT_MS', { infer: true }),
    };
    const url = this.config.get('DATABASE_URL', { infer: true });
    if (url) {
      const readUrls = (this.config.get('DATABASE_READ_URL', { infer: true }) ?? '')
        .split(',')
        .map((readUrl) => readUrl.trim())
        .filter(Boolean);
      if (readUrls.length > 0) {
        this.logger.log(`Read API on ${readUrls.length} read replica(s): ${readUrls.map(redactUrl).join(', ')}`);
      }
      return { url, readUrls, poolSize: this.config.get('DB_POOL_SIZE', { infer: true }), ...timeouts };
    }
    const dataDir = this.config.get('EMBEDDED_DB_DIR', { infer: true });
    this.instance = await EmbeddedDatabase.start({ dataDir, attachIfRunning: this.options.attachIfRunning });
    this.logger.log(
      this.instance.owned
        ? `Embedded PostgreSQL (PGlite) open in ${dataDir}, serving ${redactUrl(this.instance.url)}`
        : `Embedded PostgreSQL in ${dataDir} is open in another process: connected through its socket`,
    );
    // One backend behind the socket: one connection keeps statements of different requests apart.
    return { url: this.instance.url, poolSize: 1, ...timeouts };
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.instance) {
      return;
    }
    const dataSource = this.moduleRef.get(DataSource, { strict: false });
    if (dataSource.isInitialized) {
      await dataSource.destroy();
    }
    await this.instance.stop();
    this.instance = undefined;
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@]*@/, '//');
}
