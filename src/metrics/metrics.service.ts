import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { ClusterMetrics } from './cluster-metrics';
import { Lifecycle } from '../health/lifecycle.service';
import { routeOf } from '../common/http/request-info';
import { authFailureOf, CALLBACK_PATH } from '../index';
import { onResponseClosed } from '../common/http/response-closed';

/** The vendor endpoint, whose answers the callback counters follow. */
export const CALLBACK_ROUTE = `/${CALLBACK_PATH}`;

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

let processRegistry: Registry | undefined;

/** Node.js and process metrics (CPU, memory, event loop, GC): one set per process, however many apps. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The service's Prometheus metrics, in a registry of its own (one per application):
 * - `http_request_duration_seconds{method,route,status}` (histogram; `route` is the pattern)
 * - `http_requests_in_flight`
 * - `sms_callbacks_stored_total`, `sms_callbacks_replayed_total`, `sms_callbacks_rejected_total{status}`
 * - `auth_failures_total{credential,reason}`
 * - `db_pool_connections{state="total|in_use|idle|waiting"}`
 * plus the default Node.js process metrics.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly durationByLabels = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();

  readonly callbacksStored = new Counter({
    name: 'sms_callbacks_stored_total',
    help: 'Callbacks newly stored (committed; answered 201).',
    registers: [this.registry],
  });

  readonly callbacksReplayed = new Counter({
    name: 'sms_callbacks_replayed_total',
    help: 'Callbacks that were exact replays of stored ones (answered 200, nothing new stored).',
    registers: [this.registry],
  });

  readonly callbacksRejected = new Counter({
    name: 'sms_callbacks_rejected_total',
    help: 'Callbacks answered with an error (nothing stored; the vendor sends again), by status.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: 'auth_failures_total',
    help: 'Requests refused for their credential (401/403), by credential and reason.',
    labelNames: ['credential', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly cluster = ClusterMetrics.ifWorker(() => [this.registry, processMetrics()]);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    lifecycle: Lifecycle,
  ) {
    // Series that exist from the start at 0, so that rate() and alerts see the first increase.
    for (const status of [400, 401, 403, 413, 415, 429, 503]) {
      this.callbacksRejected.inc({ status }, 0);
    }
    for (const reason of ['missing', 'unknown', 'revoked', 'suspended', 'expired', 'not_yet_valid']) {
      this.authFailures.inc({ credential: 'API-KEY', reason }, 0);
    }
    const pool = () => (this.dataSource.driver as unknown as { master?: PgPool }).master;
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections: total, in use, idle, and requests waiting for one.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const current = pool();
        const total = current?.totalCount ?? 0;
        const idle = current?.idleCount ?? 0;
        this.set({ state: 'total' }, total);
        this.set({ state: 'in_use' }, total - idle);
        this.set({ state: 'idle' }, idle);
        this.set({ state: 'waiting' }, current?.waitingCount ?? 0);
      },
    });
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'Requests being served.',
      registers: [this.registry],
      collect() {
        this.set(lifecycle.inFlight);
      },
    });
  }

  /** The exposition: the service's metrics and the process's (in the multi-process mode: every worker's, summed). */
  async exposition(): Promise<{ contentType: string; body: string }> {
    if (this.cluster) {
      return this.cluster.exposition();
    }
    const merged = Registry.merge([this.registry, processMetrics()]);
    return { contentType: this.registry.contentType, body: await merged.metrics() };
  }

  /** Express middleware: times every request and counts callback outcomes and authentication failures. */
  httpMiddleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const started = process.hrtime.bigint();
      onResponseClosed(res, () => {
        const route = routeOf(req);
        const status = res.writableFinished ? res.statusCode : 499;
        this.durationSeries(req.method, route, status).observe(Number(process.hrtime.bigint() - started) / 1e9);
        this.countOutcome(req, res, route, status);
      });
      next();
    };
  }

  /**
   * The histogram's series of a method, route pattern and status, its labels resolved once: prom-client
   * would otherwise check and hash the labels on every observation. The patterns and statuses are few.
   */
  private durationSeries(
    method: string,
    route: string,
    status: number,
  ): Histogram.Internal<'method' | 'route' | 'status'> {
    const key = `${method} ${status} ${route}`;
    let series = this.durationByLabels.get(key);
    if (series === undefined) {
      series = this.httpDuration.labels({ method, route, status });
      this.durationByLabels.set(key, series);
    }
    return series;
  }

  private countOutcome(req: Request, res: Response, route: string, status: number): void {
    if (req.method === 'POST' && route === CALLBACK_ROUTE && status >= 400) {
      this.callbacksRejected.inc({ status });
    }
    if (status === 401 || status === 403) {
      // Which credential and why, as the guard that refused it said (AuthenticationError); any other refusal
      // (a 403 of a host's own guard) as `other`.
      this.authFailures.inc(authFailureOf(req) ?? { credential: 'other', reason: 'unspecified' });
    }
  }
}
