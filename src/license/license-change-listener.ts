import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { LICENSE_CHANGED_CHANNEL } from './license-change';
import { LicenseCache } from './license-cache';
import { LicenseRepository } from './license.repository';

/** How long the start-up probe waits for its own notification before LISTEN is judged not to work here. */
const PROBE_TIMEOUT_MS = 1_500;
/** Without LISTEN: how often the licenses are checked for a change. */
const POLL_INTERVAL_MS = 500;
/** How long to wait before connecting the listener again after it lost its connection. */
const RECONNECT_DELAY_MS = 1_000;

type Mode = 'starting' | 'listening' | 'polling' | 'stopped';

/**
 * Makes a lifecycle change made by any instance (or the CLI) reach this instance's {@link LicenseCache} within
 * a second, instead of LICENSE_CACHE_TTL_MS. Each change is announced in its own transaction with
 * `pg_notify` (delivered when it commits, see `LicenseRepository.announceChange`); this listens on a
 * connection of its own and evicts the license named.
 *
 * Where LISTEN cannot reach the instance (the embedded database serves every connection from one backend,
 * and so do transaction poolers such as PgBouncer), a probe at start-up finds out, and the instance checks
 * the licenses table for a change every 500 ms instead, forgetting every cached license when it sees one.
 * When the listener loses its connection, notifications may be lost: the cache is cleared when it is back.
 * Throughout, the cache's TTL remains the bound.
 */
@Injectable()
export class LicenseChangeListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LicenseChanges');
  private mode: Mode = 'starting';
  private client?: Client;
  private pollTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private lastSeen?: string;
  private markStarted: (how: 'listening' | 'polling' | 'off') => void = () => undefined;
  /** Resolves once changes are followed, saying how (`off`: the cache is disabled, nothing to follow). */
  readonly started = new Promise<'listening' | 'polling' | 'off'>((resolve) => (this.markStarted = resolve));

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly licenses: LicenseRepository,
    private readonly cache: LicenseCache,
  ) {}

  get listening(): boolean {
    return this.mode === 'listening';
  }

  onApplicationBootstrap(): void {
    if (!this.cache.enabled) {
      this.markStarted('off');
      return;
    }
    // In the background: the service starts serving at once, the TTL being the bound until this is up.
    void this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.mode = 'stopped';
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private async start(): Promise<void> {
    const listens = await this.listen(true).catch(() => false);
    if (this.mode === 'stopped') {
      this.markStarted('off');
      return;
    }
    if (listens) {
      this.mode = 'listening';
      // Licenses cached while the listener was starting may have changed unannounced to it.
      this.cache.clear();
      this.logger.log('Listening for license changes (PostgreSQL LISTEN/NOTIFY)');
      this.markStarted('listening');
      return;
    }
    this.mode = 'polling';
    await this.closeClient();
    this.logger.log(
      `LISTEN/NOTIFY does not reach this instance (embedded database, or a transaction pooler): checking the ` +
        `licenses for changes every ${POLL_INTERVAL_MS} ms instead`,
    );
    // The first mark, then forget what was cached while the probe ran (a change made meanwhile, e.g. by the
    // CLI right after the start, would otherwise wait for the cache's TTL): every later change moves the mark.
    await this.poll();
    this.cache.clear();
    this.pollTimer = setInterval(() => void this.poll(), POLL_INTERVAL_MS);
    this.pollTimer.unref();
    this.markStarted('polling');
  }

  /** Connects, LISTENs, and with `probe` checks that a notification sent through the pool arrives. */
  private async listen(probe: boolean): Promise<boolean> {
    // The data source's own connection settings (a URL, or the fields a host application may use instead).
    const options = this.dataSource.options as {
      url?: string;
      host?: string;
      port?: number;
      username?: string;
      password?: string;
      database?: string;
      ssl?: boolean | object;
      applicationName?: string;
      extra?: { connectionTimeoutMillis?: number };
    };
    const client = new Client({
      connectionString: options.url,
      host: options.host,
      port: options.port,
      user: options.username,
      password: options.password,
      database: options.database,
      ssl: options.ssl as boolean | undefined,
      connectionTimeoutMillis: options.extra?.connectionTimeoutMillis,
      keepAlive: true,
      application_name: `${options.applicationName ?? 'sms-callback-service'} (license changes)`,
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${LICENSE_CHANGED_CHANNEL}`);
    const token = `probe:${randomUUID()}`;
    const probed = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
      timer.unref();
      client.on('notification', (message) => {
        if (message.payload === token) {
          clearTimeout(timer);
          resolve(true);
          return;
        }
        if (message.payload && !message.payload.startsWith('probe:')) {
          this.cache.invalidate(message.payload);
        }
      });
    });
    if (!probe) {
      return true;
    }
    await this.licenses.announceChange(token);
    return probed;
  }

  /** The listener's connection is gone: whatever was announced meanwhile is unknown, so forget everything. */
  private lost(client: Client): void {
    if (this.client !== client || this.mode !== 'listening') {
      return;
    }
    this.client = undefined;
    client.end().catch(() => undefined);
    this.logger.warn('Lost the connection that listens for license changes: reconnecting');
    const retry = () => {
      this.reconnectTimer = undefined;
      if (this.mode !== 'listening') {
        return;
      }
      this.listen(false)
        .then(() => {
          this.cache.clear();
          this.logger.log('Listening for license changes again');
        })
        .catch(() => {
          void this.closeClient();
          this.reconnectTimer = setTimeout(retry, RECONNECT_DELAY_MS);
          this.reconnectTimer.unref();
        });
    };
    this.reconnectTimer = setTimeout(retry, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }

  private async poll(): Promise<void> {
    try {
      const seen = await this.licenses.changeMark();
      if (this.lastSeen !== undefined && seen !== this.lastSeen) {
        this.cache.clear();
      }
      this.lastSeen = seen;
    } catch {
      // The database is unreachable: cached licenses expire by their TTL meanwhile.
    }
  }

  private async closeClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
