#!/usr/bin/env node
'use strict';
/**
 * Requests per second of `POST /api/vendor/v1/sms/callback` with the API-KEY verification cached
 * (LICENSE_CACHE_TTL_MS=5000, the default) and forced to the database (LICENSE_CACHE_TTL_MS=0), and the
 * number of verification queries each one sends to PostgreSQL.
 *
 *   node bench/license-verification.js [--duration 10] [--warmup 2] [--connections 32] [--no-build]
 *
 * Builds the service (`npx nest build`, unless --no-build), creates a fresh database on the PostgreSQL
 * server named by DATABASE_URL (the admin connection, default postgresql://postgres@127.0.0.1:5432/postgres;
 * 127.0.0.1 only) and drops it at the end. For each variant it starts `node dist/src/main.js` on 127.0.0.1,
 * warms up, then measures with autocannon; every request is a new callback (a new row).
 *
 * How queries are counted, without touching the service's code: this same file is preloaded into the service
 * (`node --require bench/license-verification.js dist/src/main.js`), where it wraps `pg`'s Client#query and
 * counts the statements sent (the verification lookup is the SELECT on "licenses" by "key_hash"); the
 * harness reads the counters over the child's IPC channel before and after the measured run. As a check
 * from the server's side, it also prints the index scans PostgreSQL counted on UQ_licenses_key_hash over
 * each service's life (read once the service has stopped and its backends have flushed their statistics).
 *
 * Exit code: 0 when the run completed, 1 on a harness failure, 2 on a bad option.
 */

// ---------------------------------------------------------------------------------------------------
// Preloaded into the service: count the statements sent through pg.

if (require.main !== module) {
  installQueryCounter();
  return;
}

function installQueryCounter() {
  const counts = { total: 0, verification: 0 };
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(config, ...rest) {
    const text = typeof config === 'string' ? config : config && config.text;
    if (typeof text === 'string') {
      counts.total++;
      if (/FROM\s+"licenses"/i.test(text) && /"key_hash"/.test(text) && /^\s*SELECT/i.test(text)) {
        counts.verification++;
      }
    }
    return query.call(this, config, ...rest);
  };
  if (typeof process.send === 'function') {
    process.on('message', (message) => {
      if (message && message.type === 'query-counts') {
        process.send({ type: 'query-counts', id: message.id, counts: { ...counts } });
      }
    });
    // The IPC channel must not keep the service alive on shutdown.
    process.channel?.unref();
  }
}

// ---------------------------------------------------------------------------------------------------
// The harness.

const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { HarnessError, UsageError, freePort, numberOption, runBench, sleep } = require('./harness');
const { runCommand, startChild, stopChild, waitUntilAnswering } = require('./processes');

const ROOT = path.resolve(__dirname, '..');
const SERVICE_MAIN = path.join(ROOT, 'dist/src/main.js');
const CALLBACK_PATH = '/api/vendor/v1/sms/callback';
const LICENSES_PATH = '/api/admin/v1/licenses';
const SEEDED_LICENSES = 2_000;

const log = (text) => process.stderr.write(`[bench] ${text}\n`);

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '32' },
      'pool-size': { type: 'string', default: '10' },
      'no-build': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const number = (name, min, max) => numberOption(values, name, min, max);
  return {
    help: values.help,
    duration: number('duration', 1, 600),
    warmup: number('warmup', 0, 60),
    connections: number('connections', 1, 1000),
    poolSize: number('pool-size', 1, 200),
    build: !values['no-build'],
    verbose: values.verbose,
  };
}

/** Runs a command to completion; resolves to its output, rejects when it fails. */
async function run(command, args, timeoutMs) {
  const { code, output } = await runCommand(command, args, { timeoutMs });
  if (code !== 0) {
    throw new HarnessError(`${command} ${args.join(' ')} failed (${code}):\n${output}`);
  }
  return output;
}

/** A JSON HTTP request to the service; resolves to { status, body }. */
function requestJson(port, method, urlPath, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: urlPath,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
        timeout: 5_000,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

class Service {
  constructor(name, env, verbose) {
    this.info = startChild(name, ['--require', __filename, SERVICE_MAIN], env, { verbose, ipc: true, tailLines: 40 });
    this.child = this.info.child;
    this.pending = new Map();
    this.child.on('message', (message) => {
      const done = this.pending.get(message.id);
      if (done) {
        this.pending.delete(message.id);
        done(message.counts);
      }
    });
  }

  waitUntilAnswering(port, timeoutMs) {
    return waitUntilAnswering(this.info, port, timeoutMs);
  }

  /** The statements the service has sent so far (from the preloaded counter). */
  queryCounts() {
    const id = randomBytes(8).toString('hex');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new HarnessError('no answer from the query counter')), 5_000);
      this.pending.set(id, (counts) => {
        clearTimeout(timer);
        resolve(counts);
      });
      this.child.send({ type: 'query-counts', id });
    });
  }

  stop() {
    return stopChild(this.info, 15_000);
  }
}

function callbackBody(tag, n) {
  return JSON.stringify({
    msisdn: `849${String(10_000_000 + (n % 90_000_000)).padStart(8, '0')}`,
    requestId: `req-${tag}-${n}`,
    sendTime: '2025-05-01 17:15:30',
    responseTimeTelco: '2025-05-01 17:15:32',
    status: 0,
    referentId: `msg-${tag}-${n}`,
    retryCount: 0,
  });
}

/** autocannon against the callback endpoint, every request a new callback. */
function load(port, apiKey, connections, seconds, tag) {
  const autocannon = require('autocannon');
  let seq = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
        connections,
        duration: seconds,
        timeout: 10,
        headers: { 'content-type': 'application/json', accept: '*/*', 'API-KEY': apiKey },
        requests: [
          {
            method: 'POST',
            path: CALLBACK_PATH,
            setupRequest(req) {
              req.body = callbackBody(tag, seq++);
              return req;
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

async function indexScans(admin) {
  const { rows } = await admin.query(
    `SELECT coalesce(sum(idx_scan), 0)::bigint AS scans FROM pg_stat_user_indexes WHERE indexrelname = 'UQ_licenses_key_hash'`,
  );
  return Number(rows[0].scans);
}

async function main() {
  const opts = options();
  if (opts.help) {
    process.stdout.write(`${fs.readFileSync(__filename, 'utf8').split('*/')[0]}*/\n`);
    return;
  }
  const adminUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(adminUrl).hostname)) {
    throw new UsageError('DATABASE_URL must point at 127.0.0.1: this benchmark only targets the local machine');
  }
  if (opts.build) {
    log('building (npx nest build) ...');
    await run('npx', ['nest', 'build'], 300_000);
  } else if (!fs.existsSync(SERVICE_MAIN)) {
    throw new HarnessError(`${SERVICE_MAIN} is missing: run without --no-build`);
  }

  const { Client } = require('pg');
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const dbName = `license_bench_${Date.now()}_${process.pid}`;
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  await admin.query(`CREATE DATABASE "${dbName}"`);
  log(`database ${dbName}`);
  const bench = new Client({ connectionString: dbUrl.toString() });
  const services = [];
  const results = [];
  try {
    const adminKey = randomBytes(32).toString('base64url');
    let apiKey;
    for (const variant of [
      { name: 'cached', ttlMs: 5000 },
      { name: 'database', ttlMs: 0 },
    ]) {
      const port = await freePort();
      const env = {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: dbUrl.toString(),
        DB_POOL_SIZE: String(opts.poolSize),
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        ADMIN_API_KEY: adminKey,
        LICENSE_CACHE_TTL_MS: String(variant.ttlMs),
        LICENSE_RATE_LIMIT_PER_SECOND: '0',
        REDIS_URL: '',
      };
      log(`${variant.name}: starting the service (LICENSE_CACHE_TTL_MS=${variant.ttlMs}) on port ${port}`);
      const service = new Service(variant.name, env, opts.verbose);
      services.push(service);
      await service.waitUntilAnswering(port, 90_000);

      if (!apiKey) {
        const created = await requestJson(
          port,
          'POST',
          LICENSES_PATH,
          { 'ADMIN-API-KEY': adminKey },
          {
            enterpriseId: 'bench',
            label: 'license-verification benchmark',
          },
        );
        if (created.status !== 201) {
          throw new HarnessError(`creating the license answered ${created.status}: ${JSON.stringify(created.body)}`);
        }
        apiKey = created.body.data.apiKey;
        // A realistic table, so that PostgreSQL looks keys up by their index as it would in production.
        await bench.connect();
        await bench.query(
          `INSERT INTO licenses (enterprise_id, key_prefix, key_hash)
           SELECT 'seed-' || i, 'smscb_seed', encode(sha256(('seed-' || i)::bytea), 'hex') FROM generate_series(1, $1) AS i`,
          [SEEDED_LICENSES],
        );
        await bench.query('ANALYZE licenses');
      }
      const scansBefore = await indexScans(bench);

      if (opts.warmup > 0) {
        log(`${variant.name}: warm-up ${opts.warmup} s`);
        await load(port, apiKey, opts.connections, opts.warmup, `${variant.name}-warmup`);
      }
      const before = await service.queryCounts();
      log(`${variant.name}: measuring ${opts.duration} s at ${opts.connections} connections`);
      const result = await load(port, apiKey, opts.connections, opts.duration, variant.name);
      const after = await service.queryCounts();
      await service.stop();
      await sleep(500); // the backends flush their statistics as they exit
      const scansAfter = await indexScans(bench);

      const answered = result.requests.total;
      const ok = result['2xx'];
      results.push({
        name: variant.name,
        ttlMs: variant.ttlMs,
        rps: answered / (result.duration || opts.duration),
        p50: result.latency.p50,
        p99: result.latency.p99,
        answered,
        ok,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
        verification: after.verification - before.verification,
        queries: after.total - before.total,
        serverScans: scansAfter - scansBefore,
      });
    }
  } finally {
    for (const service of services) {
      await service.stop().catch(() => undefined);
    }
    await bench.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch((err) => log(`drop: ${err.message}`));
    await admin.end();
  }
  report(results, opts);
}

function report(results, opts) {
  const pad = (value, width) => String(value).padStart(width);
  const lines = [
    '',
    `POST ${CALLBACK_PATH}: ${opts.connections} connections, ${opts.duration} s measured after ${opts.warmup} s of warm-up, ` +
      'every request a new callback',
    '',
    `${'verification'.padEnd(24)}${pad('req/s', 9)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('2xx', 9)}${pad('non-2xx', 9)}` +
      `${pad('verif. queries', 16)}${pad('per request', 13)}${pad('all queries/req', 17)}`,
  ];
  for (const r of results) {
    const label = r.ttlMs > 0 ? `cached (TTL ${r.ttlMs} ms)` : 'database (TTL 0)';
    lines.push(
      `${label.padEnd(24)}${pad(r.rps.toFixed(0), 9)}${pad(r.p50, 8)}${pad(r.p99, 8)}${pad(r.ok, 9)}${pad(r.non2xx + r.errors, 9)}` +
        `${pad(r.verification, 16)}${pad((r.verification / Math.max(1, r.answered)).toFixed(4), 13)}` +
        `${pad((r.queries / Math.max(1, r.answered)).toFixed(2), 17)}`,
    );
  }
  const [cached, database] = results;
  lines.push('');
  if (cached && database) {
    lines.push(
      `cached / database throughput: ${(cached.rps / database.rps).toFixed(2)}x; ` +
        `p99 ${cached.p99} ms vs ${database.p99} ms`,
    );
    const refreshes = Math.ceil((opts.duration * 1000) / cached.ttlMs);
    lines.push(
      `cached: ${cached.verification} verification queries for ${cached.answered} requests: none on the request path, ` +
        `only the refresh of the one key when its cache entry expires (at most ${refreshes} in ${opts.duration} s).`,
    );
    lines.push(`database: ${database.verification} verification queries for ${database.answered} requests (one each).`);
    lines.push(
      `PostgreSQL's own count of index scans on UQ_licenses_key_hash over each service's life (warm-up included): ` +
        `cached ${cached.serverScans}, database ${database.serverScans}.`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

runBench({ name: 'bench:license', main });
