#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:queries`: latency of the read API with 1,000,000 stored callbacks, on a PostgreSQL server.
 *
 *   node bench/query-latency.js [--count 1000000] [--other-count 100000] [--samples 300] [--warmup 30]
 *        [--concurrency 1,4] [--no-build] [--no-explain] [--compare] [--keep-db] [--verbose]
 *
 * Builds the service (`npx nest build`), creates a fresh database on the server named by DATABASE_URL (the admin
 * connection, default postgresql://postgres@127.0.0.1:5432/postgres; 127.0.0.1 only), starts
 * `node dist/src/main.js` on it (its migrations create the schema), issues a license with the service's CLI,
 * seeds --count callbacks for that license's enterprise (bench/seed-callbacks.js) and --other-count for a
 * second enterprise, then measures over HTTP, against the running service, with --concurrency requests in flight
 * (one after the other for 1):
 *   - GET /api/vendor/v1/sms/callback?msisdn=84...&limit=20   (a stored number, international form)
 *   - GET /api/vendor/v1/sms/callback?msisdn=09...&limit=20   (the same numbers, national form: normalised)
 *   - GET /api/vendor/v1/sms/callback?requestId=...&limit=20  (a stored request id)
 *   - GET /api/vendor/v1/sms/callback/stats?sentFrom=<day>T00:00:00+07:00&sentTo=<next day>T00:00:00+07:00
 *   - (for information, not a target) the unfiltered list, page 1: the count(*) of every row of the enterprise
 * and prints p50 / p95 / p99 / max per query type and whether p99 < 100 ms. Then, for each query type, the SQL
 * statements the service sent (captured inside the service, see below) with their time as the service saw it,
 * and EXPLAIN (ANALYZE, BUFFERS) of each, run directly with pg on sampled parameters: plan nodes, index used,
 * execution time. With --compare, the statistics SQL against a rewrite and a covering index (both since adopted by the
 * service, in migration 1764500000000: kept for the record; it needs a schema from before that migration).
 * The database is dropped at the end, also on a failure or Ctrl-C (unless --keep-db).
 *
 * How the SQL is captured without touching the service's code: this same file is preloaded into the service
 * (`node --require bench/query-latency.js dist/src/main.js`), where it wraps `pg`'s Client#query and, while the
 * harness asks it to (over the child's IPC channel), records each statement's text, a few parameter sets and
 * its duration from the call to the answer.
 *
 * Exit code: 0 when the run completed (whatever the figures), 1 on a harness failure, 2 on a bad option,
 * 130 on Ctrl-C / SIGTERM (after the clean-up).
 */

// ---------------------------------------------------------------------------------------------------
// Preloaded into the service: time the statements sent through pg, on request.

if (require.main !== module) {
  installSqlRecorder();
  return;
}

function installSqlRecorder() {
  const pg = require('pg');
  const PARAM_SAMPLES = 40;
  let recording = false;
  let statements = new Map();
  const plain = (value) => {
    if (value instanceof Date) {
      return value.toISOString();
    }
    if (Buffer.isBuffer(value)) {
      return `\\x${value.toString('hex')}`;
    }
    return value;
  };
  const record = (text, values, t0) => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    let entry = statements.get(text);
    if (!entry) {
      entry = { text, durations: [], params: [] };
      statements.set(text, entry);
    }
    entry.durations.push(ms);
    if (entry.params.length < PARAM_SAMPLES && Array.isArray(values)) {
      entry.params.push(values.map(plain));
    }
  };
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function timedQuery(config, ...rest) {
    const text = typeof config === 'string' ? config : config && config.text;
    if (!recording || typeof text !== 'string') {
      return query.call(this, config, ...rest);
    }
    const values = Array.isArray(rest[0]) ? rest[0] : config && config.values;
    const t0 = process.hrtime.bigint();
    const last = rest.length - 1;
    if (last >= 0 && typeof rest[last] === 'function') {
      const callback = rest[last];
      rest[last] = function timedCallback(...args) {
        record(text, values, t0);
        return callback.apply(this, args);
      };
      return query.call(this, config, ...rest);
    }
    const result = query.call(this, config, ...rest);
    if (result && typeof result.then === 'function') {
      const done = () => record(text, values, t0);
      result.then(done, done);
    }
    return result;
  };
  if (typeof process.send === 'function') {
    process.on('message', (message) => {
      if (!message || message.type !== 'sql-recorder') {
        return;
      }
      if (message.op === 'start') {
        statements = new Map();
        recording = true;
        process.send({ type: 'sql-recorder', id: message.id, ok: true });
      } else if (message.op === 'stop') {
        recording = false;
        process.send({ type: 'sql-recorder', id: message.id, statements: [...statements.values()] });
      }
    });
    // The IPC channel must not keep the service alive on shutdown.
    process.channel?.unref();
  }
}

// ---------------------------------------------------------------------------------------------------
// The harness.

const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Client } = require('pg');
const {
  HarnessError,
  UsageError,
  freePort,
  integerListOption,
  numberOption,
  runBench,
  sleep,
  table,
} = require('./harness');
const { seedCallbacks } = require('./seed-callbacks');

const ROOT = path.resolve(__dirname, '..');
const SERVICE_MAIN = path.join(ROOT, 'dist/src/main.js');
const LICENSE_CLI = path.join(ROOT, 'dist/src/license/cli/license.cli.js');
const LIST_PATH = '/api/vendor/v1/sms/callback';
const STATS_PATH = '/api/vendor/v1/sms/callback/stats';
const ENTERPRISE = 'bench';
const OTHER_ENTERPRISE = 'bench-other';
const TARGET_MS = 100;
const SEED_START = '2025-05-01';
const SEED_DAYS = 30;
const TIMEZONE = 'Asia/Ho_Chi_Minh';
/** `+07:00`: Asia/Ho_Chi_Minh has no daylight saving time. */
const LOCAL_OFFSET = '+07:00';

const log = (text) => process.stderr.write(`[bench:queries] ${text}\n`);

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      count: { type: 'string', default: '1000000' },
      'other-count': { type: 'string', default: '100000' },
      samples: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '30' },
      concurrency: { type: 'string', default: '1,4' },
      'seed-jobs': { type: 'string', default: '2' },
      'no-build': { type: 'boolean', default: false },
      'no-explain': { type: 'boolean', default: false },
      compare: { type: 'boolean', default: false },
      'keep-db': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const int = (name, min, max) => numberOption(values, name, min, max);
  const concurrency = integerListOption(values, 'concurrency', 1, 64);
  return {
    help: values.help,
    count: int('count', 1_000, 50_000_000),
    otherCount: int('other-count', 0, 50_000_000),
    samples: int('samples', 10, 100_000),
    warmup: int('warmup', 0, 10_000),
    concurrency,
    seedJobs: int('seed-jobs', 1, 16),
    build: !values['no-build'],
    explain: !values['no-explain'],
    compare: values.compare,
    keepDb: values['keep-db'],
    verbose: values.verbose,
  };
}

// ---------------------------------------------------------------------------------------------------
// processes

const children = new Set();

/** Runs a command to completion in its own process group; resolves to { code, output }. */
function runCommand(command, args, { env = process.env, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const info = { name: command, child, group: true, exited: false };
    children.add(info);
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const timer = setTimeout(() => {
      killChild(info, 'SIGKILL');
      reject(new HarnessError(`${command} ${args.join(' ')} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      children.delete(info);
      reject(new HarnessError(`${command}: ${err.message}`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      info.exited = true;
      children.delete(info);
      resolve({ code, output });
    });
  });
}

function killChild(info, signal) {
  try {
    if (info.group) {
      process.kill(-info.child.pid, signal);
    } else {
      info.child.kill(signal);
    }
  } catch {
    // already gone
  }
}

async function stopChild(info, graceMs = 10_000) {
  if (info.exited) {
    return;
  }
  const exited = new Promise((resolve) => info.child.once('exit', resolve));
  killChild(info, 'SIGTERM');
  if (!(await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]))) {
    killChild(info, 'SIGKILL');
    await Promise.race([exited, sleep(3_000)]);
  }
}

/** `npx nest build`; someone may be in the middle of an edit, so a failure is retried after a minute. */
async function build() {
  for (let attempt = 1; ; attempt++) {
    log(`building the service (npx nest build)${attempt > 1 ? `, attempt ${attempt}` : ''} ...`);
    const t = Date.now();
    const built = await runCommand('npx', ['nest', 'build'], { timeoutMs: 300_000 });
    if (built.code === 0) {
      log(`built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
      return;
    }
    if (attempt === 3) {
      throw new HarnessError(`nest build failed (code ${built.code}):\n${built.output.trim().slice(-4000)}`);
    }
    log(`nest build failed (code ${built.code}); retrying in 60 s:\n${built.output.trim().slice(-1500)}`);
    await sleep(60_000);
  }
}

/** The service, with this file preloaded (the SQL recorder) and an IPC channel to talk to it. */
class Service {
  constructor(env, verbose) {
    this.tail = [];
    this.child = spawn(process.execPath, ['--require', __filename, SERVICE_MAIN], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.info = { name: 'service', child: this.child, group: false, exited: false };
    children.add(this.info);
    const keep = (chunk) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        this.tail.push(line);
        this.tail.splice(0, Math.max(0, this.tail.length - 40));
        if (verbose) {
          process.stderr.write(`[service] ${line}\n`);
        }
      }
    };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.child.on('exit', (code, signal) => {
      this.info.exited = { code, signal };
      children.delete(this.info);
    });
    this.pending = new Map();
    this.child.on('message', (message) => {
      const done = message && this.pending.get(message.id);
      if (done) {
        this.pending.delete(message.id);
        done(message);
      }
    });
  }

  describeExit() {
    const e = this.info.exited;
    return `the service exited (${e.signal ? `signal ${e.signal}` : `code ${e.code}`}). Last output:\n  ${this.tail.join('\n  ')}`;
  }

  ensureAlive() {
    if (this.info.exited) {
      throw new HarnessError(this.describeExit());
    }
  }

  async waitUntilAnswering(port, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.ensureAlive();
      const ok = await new Promise((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1_000 }, (res) => {
          res.resume();
          resolve(true);
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(false));
      });
      if (ok) {
        return;
      }
      await sleep(200);
    }
    throw new HarnessError(`the service did not answer within ${timeoutMs / 1000} s:\n  ${this.tail.join('\n  ')}`);
  }

  recorder(op) {
    const id = randomBytes(8).toString('hex');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new HarnessError('no answer from the SQL recorder in the service')),
        10_000,
      );
      this.pending.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      this.child.send({ type: 'sql-recorder', op, id });
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// HTTP

/** GET on the service; resolves to { status, ms, body } (ms: from the request to the end of the answer). */
function get(agent, port, urlPath, apiKey) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      { host: '127.0.0.1', port, method: 'GET', path: urlPath, agent, headers: { 'API-KEY': apiKey }, timeout: 15_000 },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          let body = null;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // reported as a bad answer below
          }
          resolve({ status: res.statusCode, ms, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout (15 s)')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * `total` requests of one query type with `concurrency` in flight; resolves to
 * { latencies (ms, sorted), bad: { <status or reason>: n }, empty }.
 */
async function drive({ port, apiKey, concurrency, total, next, check }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  const bad = {};
  let empty = 0;
  let issued = 0;
  const worker = async () => {
    while (issued < total) {
      const i = issued++;
      const urlPath = next(i);
      let answer;
      try {
        answer = await get(agent, port, urlPath, apiKey);
      } catch (err) {
        bad[err.message] = (bad[err.message] ?? 0) + 1;
        continue;
      }
      if (answer.status !== 200 || !answer.body) {
        const key = `HTTP ${answer.status}${answer.body?.message ? ` ${answer.body.message}` : ''}`;
        bad[key] = (bad[key] ?? 0) + 1;
        if (bad[key] === 1) {
          log(`  ${urlPath} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
        }
        continue;
      }
      latencies.push(answer.ms);
      if (!check(answer.body)) {
        empty++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { latencies, bad, empty };
}

// ---------------------------------------------------------------------------------------------------
// figures and output

/** Nearest-rank percentile of sorted values. */
function pct(sorted, q) {
  if (sorted.length === 0) {
    return NaN;
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const fmt = (n, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '-' : Number(n).toFixed(digits));

/** The 1-minute load average of the machine (2 cores: above 2, something else competes for the CPU). */
const loadavg = () => os.loadavg()[0].toFixed(2);

function shortSql(text, max = 220) {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)} ...` : flat;
}

/** The tree of an EXPLAIN (FORMAT JSON) plan as indented lines. */
function planLines(node, depth = 0, out = []) {
  const pad = '  '.repeat(depth);
  let head = node['Node Type'];
  if (node.Strategy && node['Node Type'] === 'Aggregate') {
    head = `${node.Strategy === 'Plain' ? '' : `${node.Strategy} `}Aggregate`;
  }
  if (node['Parallel Aware']) {
    head = `Parallel ${head}`;
  }
  if (node['Scan Direction'] === 'Backward') {
    head += ' Backward';
  }
  if (node['Index Name']) {
    head += ` using "${node['Index Name']}"`;
  }
  if (node['Relation Name']) {
    head += ` on ${node['Relation Name']}`;
  }
  if (node['CTE Name']) {
    head += ` (${node['CTE Name']})`;
  }
  if (node['Subplan Name']) {
    head = `[${node['Subplan Name']}] ${head}`;
  }
  const loops = node['Actual Loops'] ?? 1;
  const bufs = [];
  if (node['Shared Hit Blocks']) {
    bufs.push(`hit=${node['Shared Hit Blocks']}`);
  }
  if (node['Shared Read Blocks']) {
    bufs.push(`read=${node['Shared Read Blocks']}`);
  }
  if (node['Temp Read Blocks'] || node['Temp Written Blocks']) {
    bufs.push(`temp r/w=${node['Temp Read Blocks'] ?? 0}/${node['Temp Written Blocks'] ?? 0}`);
  }
  out.push(
    `${pad}${head}  rows=${node['Actual Rows']}${loops > 1 ? ` x${loops} loops` : ''}  ` +
      `time=${fmt(node['Actual Total Time'], 2)} ms${bufs.length ? `  buffers ${bufs.join(' ')}` : ''}`,
  );
  const details = [];
  for (const key of ['Index Cond', 'Filter', 'Group Key', 'Sort Key', 'Sort Method', 'Heap Fetches']) {
    if (node[key] !== undefined && !(key === 'Heap Fetches' && node['Node Type'] !== 'Index Only Scan')) {
      const value = Array.isArray(node[key]) ? node[key].join(', ') : node[key];
      details.push(`${key}: ${String(value).slice(0, 200)}`);
    }
  }
  if (node['Rows Removed by Filter']) {
    details.push(`Rows Removed by Filter: ${node['Rows Removed by Filter']}`);
  }
  if (node['Sort Space Used'] !== undefined) {
    details.push(`Sort Space: ${node['Sort Space Used']} kB ${node['Sort Space Type']}`);
  }
  if (node['Peak Memory Usage'] !== undefined && node['Disk Usage']) {
    details.push(`Memory ${node['Peak Memory Usage']} kB, Disk ${node['Disk Usage']} kB`);
  }
  for (const d of details) {
    out.push(`${pad}    ${d}`);
  }
  for (const child of node.Plans ?? []) {
    planLines(child, depth + 1, out);
  }
  return out;
}

async function explain(db, text, params) {
  const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, params);
  const doc = rows[0]['QUERY PLAN'];
  return (typeof doc === 'string' ? JSON.parse(doc) : doc)[0];
}

// ---------------------------------------------------------------------------------------------------
// the statistics SQL: the service's (as captured) against a proposed rewrite

/**
 * The proposed totals statement of the statistics (the counts by status stay as they are), same results:
 * - the telco latency as double precision, `date_part('epoch', interval) * 1000`, instead of
 *   `extract(epoch FROM interval) * 1000`, which is numeric since PostgreSQL 14: numeric min/max and sorts;
 * - both percentiles from one sort, `percentile_cont(ARRAY[0.5, 0.95])`, instead of two sorts;
 * - the distinct request ids counted under `COLLATE "C"`: the same count (the database collation is
 *   deterministic, so equal means byte-equal), but a sort with abbreviated keys and memcmp instead of strcoll.
 * $1 enterprise, $2 sentFrom, $3 sentTo.
 */
const PROPOSED_LATENCY_MS = `date_part('epoch', c.response_time_telco_at - c.send_time_at) * 1000`;
const PROPOSED_TOTALS_SQL = `SELECT count(*)::int AS "total",
       count(DISTINCT c.request_id COLLATE "C")::int AS "distinctRequestIds",
       count(c.response_time_telco_at - c.send_time_at)::int AS "latencyCount",
       min(${PROPOSED_LATENCY_MS}) AS "minMs",
       percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY ${PROPOSED_LATENCY_MS}) AS "percentiles",
       max(${PROPOSED_LATENCY_MS}) AS "maxMs"
  FROM sms_callbacks c
 WHERE c.enterprise_id = $1 AND c.send_time_at >= $2 AND c.send_time_at < $3`;

/** The proposed index: the one-day scan of the statistics becomes an index-only scan (no heap visits). */
const COVERING_INDEX = 'IDX_sms_callbacks_enterprise_send_time_stats';
const COVERING_INDEX_SQL = `CREATE INDEX "${COVERING_INDEX}" ON sms_callbacks (enterprise_id, send_time_at)
  INCLUDE (status, request_id, response_time_telco_at)`;

function statsOf(totals, byStatus) {
  const round = (v) => (v === null || v === undefined ? null : Math.round(Number(v)));
  return {
    total: totals.total,
    distinct: totals.distinctRequestIds,
    latencyCount: totals.latencyCount,
    min: round(totals.minMs),
    median: round(totals.percentiles ? totals.percentiles[0] : totals.medianMs),
    p95: round(totals.percentiles ? totals.percentiles[1] : totals.p95Ms),
    max: round(totals.maxMs),
    byStatus: byStatus.map((r) => [r.status, r.count]),
  };
}

// ---------------------------------------------------------------------------------------------------
// main

const state = { admin: null, db: null, dbName: null, keepDb: false, service: null, cleaning: null };

async function cleanup() {
  if (state.cleaning) {
    return state.cleaning;
  }
  state.cleaning = (async () => {
    await Promise.all([...children].map((info) => stopChild(info)));
    if (state.db) {
      await state.db.end().catch(() => {});
    }
    if (state.admin && state.dbName) {
      if (state.keepDb) {
        log(`kept database ${state.dbName}`);
      } else {
        try {
          await state.admin.query(`DROP DATABASE IF EXISTS "${state.dbName}" WITH (FORCE)`);
          log(`dropped database ${state.dbName}`);
        } catch (err) {
          log(`could not drop database ${state.dbName}: ${err.message}`);
        }
      }
    }
    if (state.admin) {
      await state.admin.end().catch(() => {});
    }
  })();
  return state.cleaning;
}

async function issueLicense(env, enterprise) {
  const issued = await runCommand(
    process.execPath,
    [LICENSE_CLI, 'issue', '--enterprise', enterprise, '--label', 'bench:queries', '--json'],
    { env, timeoutMs: 90_000 },
  );
  if (issued.code !== 0) {
    throw new HarnessError(`license CLI failed (code ${issued.code}):\n${issued.output}`);
  }
  let license;
  try {
    license = JSON.parse(issued.output.trim().split('\n').filter(Boolean).pop());
  } catch {
    throw new HarnessError(`license CLI printed no JSON:\n${issued.output}`);
  }
  if (!license.apiKey || !license.id) {
    throw new HarnessError(`license CLI output lacks apiKey or id: ${issued.output}`);
  }
  return license;
}

function shuffle(values) {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}

/** 'YYYY-MM-DD' + n days. */
function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

async function main() {
  const opts = options();
  if (opts.help) {
    process.stdout.write(`${fs.readFileSync(__filename, 'utf8').split('*/')[0]}*/\n`);
    return;
  }
  state.keepDb = opts.keepDb;
  const adminUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(adminUrl).hostname)) {
    throw new UsageError('DATABASE_URL must point at 127.0.0.1: this benchmark only targets the local machine');
  }
  const started = Date.now();

  // 1. build
  if (opts.build) {
    await build();
  }
  for (const file of [SERVICE_MAIN, LICENSE_CLI]) {
    if (!fs.existsSync(file)) {
      throw new HarnessError(`${path.relative(ROOT, file)} is missing: build first (or drop --no-build)`);
    }
  }

  // 2. a fresh database
  state.admin = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await state.admin.connect();
  const dbName = `sms_bench_queries_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${process.pid}`;
  await state.admin.query(`CREATE DATABASE "${dbName}"`);
  state.dbName = dbName;
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const benchUrl = url.toString();
  log(`created database ${dbName}`);

  // 3. the service (its migrations create the schema)
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: benchUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    LICENSE_RATE_LIMIT_PER_SECOND: '0',
    REDIS_URL: '',
  };
  const service = new Service(env, opts.verbose);
  state.service = service;
  const t0 = Date.now();
  await service.waitUntilAnswering(port, 90_000);
  log(`service answering on port ${port} (pid ${service.child.pid}) after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // 4. licenses
  const license = await issueLicense(env, ENTERPRISE);
  log(`issued license ${license.id} (${license.keyPrefix}...) for enterprise ${ENTERPRISE}`);
  const other = opts.otherCount > 0 ? await issueLicense(env, OTHER_ENTERPRISE) : null;

  // 5. seed
  const seedLog = (line) => log(`  ${line}`);
  log(`seeding ${opts.count.toLocaleString('en')} callbacks for ${ENTERPRISE} ...`);
  const seeded = await seedCallbacks({
    databaseUrl: benchUrl,
    enterprise: ENTERPRISE,
    licenseId: license.id,
    count: opts.count,
    jobs: opts.seedJobs,
    start: SEED_START,
    days: SEED_DAYS,
    timezone: TIMEZONE,
    vacuum: opts.otherCount === 0,
    log: seedLog,
  });
  let seededOther = null;
  if (other) {
    log(`seeding ${opts.otherCount.toLocaleString('en')} callbacks for ${OTHER_ENTERPRISE} ...`);
    seededOther = await seedCallbacks({
      databaseUrl: benchUrl,
      enterprise: OTHER_ENTERPRISE,
      licenseId: other.id,
      count: opts.otherCount,
      msisdns: Math.max(1, Math.round(opts.otherCount / 5)),
      jobs: opts.seedJobs,
      start: SEED_START,
      days: SEED_DAYS,
      timezone: TIMEZONE,
      log: seedLog,
    });
  }
  service.ensureAlive();

  state.db = new Client({ connectionString: benchUrl, connectionTimeoutMillis: 5_000 });
  await state.db.connect();
  const db = state.db;
  const counts = (
    await db.query(
      `SELECT enterprise_id, count(*)::int AS n, count(DISTINCT msisdn_normalized)::int AS msisdns,
              count(DISTINCT request_id)::int AS requests
         FROM sms_callbacks GROUP BY enterprise_id ORDER BY enterprise_id`,
    )
  ).rows;
  const sizes = (
    await db.query(
      `SELECT pg_size_pretty(pg_table_size('sms_callbacks')) AS heap, pg_size_pretty(pg_indexes_size('sms_callbacks')) AS indexes`,
    )
  ).rows[0];
  const settings = Object.fromEntries(
    (
      await db.query(
        `SELECT name, setting, unit FROM pg_settings
          WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit', 'max_parallel_workers_per_gather')`,
      )
    ).rows.map((r) => [
      r.name,
      r.unit === '8kB' ? `${(Number(r.setting) * 8) / 1024} MB` : `${r.setting}${r.unit ? ` ${r.unit}` : ''}`,
    ]),
  );
  const serverVersion = (await db.query('SHOW server_version')).rows[0].server_version;

  // 6. what to ask for: existing numbers and request ids, every day of the seeded window
  const sample = (
    await db.query(
      `SELECT msisdn_normalized, request_id FROM sms_callbacks TABLESAMPLE BERNOULLI (0.5) WHERE enterprise_id = $1`,
      [ENTERPRISE],
    )
  ).rows;
  const msisdns = shuffle([...new Set(sample.map((r) => r.msisdn_normalized))]);
  const requestIds = shuffle([...new Set(sample.map((r) => r.request_id))]);
  const national = (n) => (n.startsWith('84') ? `0${n.slice(2)}` : n);
  const days = Array.from({ length: SEED_DAYS }, (_, i) => addDays(SEED_START, i));
  const dayAt = (i) => days[(i * 7 + Math.floor(i / SEED_DAYS)) % SEED_DAYS];
  const dayRange = (day) =>
    `sentFrom=${encodeURIComponent(`${day}T00:00:00${LOCAL_OFFSET}`)}&sentTo=${encodeURIComponent(`${addDays(day, 1)}T00:00:00${LOCAL_OFFSET}`)}`;
  const listed = (body) => Array.isArray(body.data) && body.data.length > 0;
  const queryTypes = [
    {
      name: 'list msisdn=84... (international)',
      short: 'msisdn (84...)',
      target: true,
      next: (i) => `${LIST_PATH}?msisdn=${msisdns[i % msisdns.length]}&limit=20`,
      check: listed,
    },
    {
      name: 'list msisdn=09... (national form)',
      short: 'msisdn (0...)',
      target: true,
      next: (i) => `${LIST_PATH}?msisdn=${national(msisdns[(i + 7919) % msisdns.length])}&limit=20`,
      check: listed,
    },
    {
      name: 'list requestId=...',
      short: 'requestId',
      target: true,
      next: (i) => `${LIST_PATH}?requestId=${requestIds[i % requestIds.length]}&limit=20`,
      check: listed,
    },
    {
      name: 'stats one local day',
      short: 'stats 1 day',
      target: true,
      next: (i) => `${STATS_PATH}?${dayRange(dayAt(i))}`,
      check: (body) => body.data && body.data.total > 0,
    },
    {
      name: 'list, no filter, page 1 (info)',
      short: 'list unfiltered',
      target: false,
      samples: Math.min(opts.samples, 50),
      next: () => `${LIST_PATH}?limit=20`,
      check: listed,
    },
  ];
  log(
    `${msisdns.length} numbers and ${requestIds.length} request ids sampled; ${days.length} days ${days[0]} .. ${days[days.length - 1]}`,
  );

  // 7. measure
  const results = [];
  for (const concurrency of opts.concurrency) {
    for (const type of queryTypes) {
      service.ensureAlive();
      const samples = type.samples ?? opts.samples;
      const warmup = type.target ? opts.warmup : Math.min(opts.warmup, 5);
      if (warmup > 0) {
        await drive({
          port,
          apiKey: license.apiKey,
          concurrency,
          total: warmup,
          next: (i) => type.next(i + 100_000),
          check: type.check,
        });
      }
      const load0 = loadavg();
      await service.recorder('start');
      const t = Date.now();
      const run = await drive({
        port,
        apiKey: license.apiKey,
        concurrency,
        total: samples,
        next: type.next,
        check: type.check,
      });
      const seconds = (Date.now() - t) / 1000;
      const { statements } = await service.recorder('stop');
      service.ensureAlive();
      const l = run.latencies;
      const result = {
        type,
        concurrency,
        n: l.length,
        seconds,
        p50: pct(l, 0.5),
        p95: pct(l, 0.95),
        p99: pct(l, 0.99),
        max: l[l.length - 1],
        bad: run.bad,
        empty: run.empty,
        statements: statements.sort((a, b) => b.durations.length - a.durations.length),
        load: `${load0}->${loadavg()}`,
      };
      results.push(result);
      log(
        `c=${concurrency} ${type.name}: p50 ${fmt(result.p50)} ms, p99 ${fmt(result.p99)} ms, max ${fmt(result.max)} ms ` +
          `(${l.length} answers in ${seconds.toFixed(1)} s, load ${result.load})`,
      );
    }
  }

  // 8. report (stdout)
  const out = [];
  const w = (line = '') => out.push(line);
  w();
  w(
    `Query latency bench  ${new Date().toISOString()}  node ${process.version}, ${os.cpus().length} cpus, ` +
      `PostgreSQL ${serverVersion}, database ${dbName}`,
  );
  w(
    `PostgreSQL settings: ${Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  w();
  w('Rows in sms_callbacks:');
  for (const c of counts) {
    w(
      `  ${c.enterprise_id.padEnd(12)} ${String(c.n).padStart(9)} rows, ${c.msisdns} distinct msisdns, ${c.requests} distinct request ids`,
    );
  }
  w(`  table ${sizes.heap}, its indexes ${sizes.indexes}`);
  w(
    `  seeded ${ENTERPRISE}: ${Math.round(seeded.rowsPerSecond).toLocaleString('en')} rows/s (${seeded.insertSeconds.toFixed(1)} s)` +
      (seededOther
        ? `; ${OTHER_ENTERPRISE}: ${Math.round(seededOther.rowsPerSecond).toLocaleString('en')} rows/s; then VACUUM (ANALYZE) ${seededOther.analyzeSeconds.toFixed(1)} s`
        : `; then VACUUM (ANALYZE) ${seeded.analyzeSeconds.toFixed(1)} s`),
  );
  const allVisible = (seededOther ?? seeded).allVisible;
  w(
    `  all-visible pages after the VACUUM: ${allVisible === null ? '-' : `${(allVisible * 100).toFixed(1)} %`} ` +
      '(below 100 %, index-only scans visit the heap for the rest)',
  );
  w(
    `  window: sendTime ${days[0]} .. ${days[days.length - 1]} (${TIMEZONE}), about ${Math.round(counts.find((c) => c.enterprise_id === ENTERPRISE)?.n / SEED_DAYS).toLocaleString('en')} callbacks of ${ENTERPRISE} a day`,
  );
  w();
  w(
    `HTTP latency, measured by this process (GET over keep-alive to 127.0.0.1; ${opts.samples} requests per type after ` +
      `${opts.warmup} warm-up requests; random stored numbers / request ids / days). Target: p99 < ${TARGET_MS} ms.`,
  );
  w(
    table(
      ['query', 'conc', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', `p99<${TARGET_MS}`, 'not 200', 'empty', 'load 1m'],
      results.map((r) => {
        const badCount = Object.values(r.bad).reduce((a, b) => a + b, 0);
        return [
          r.type.name,
          r.concurrency,
          r.n,
          fmt(r.p50),
          fmt(r.p95),
          fmt(r.p99),
          fmt(r.max),
          r.type.target ? (r.p99 < TARGET_MS ? 'yes' : 'NO') : '(info)',
          badCount,
          r.empty,
          r.load,
        ];
      }),
    ),
  );
  w('empty = 200 answers without a row (list) or with total 0 (stats): should be 0, the values asked for exist.');
  w(
    `load 1m = the machine's 1-minute load average before->after the run (${os.cpus().length} cpus; more = other work competing).`,
  );
  const badAll = results.filter((r) => Object.keys(r.bad).length);
  for (const r of badAll) {
    w(`  c=${r.concurrency} ${r.type.name}: ${JSON.stringify(r.bad)}`);
  }

  // 8b. the SQL as the service sent it, with its time seen from the service
  w();
  w('SQL sent by the service during each measured run (recorded inside it: from pg Client#query to the answer):');
  for (const r of results) {
    w(`  c=${r.concurrency} ${r.type.name}  (${r.n} requests)`);
    for (const s of r.statements) {
      const d = [...s.durations].sort((a, b) => a - b);
      w(
        `    ${String(d.length).padStart(5)} x  p50 ${fmt(pct(d, 0.5), 2)} ms  p99 ${fmt(pct(d, 0.99), 2)} ms  max ${fmt(d[d.length - 1], 2)} ms  ${shortSql(s.text, 110)}`,
      );
    }
  }

  // 9. EXPLAIN (ANALYZE, BUFFERS) of each statement of each query type, run directly with pg
  if (opts.explain) {
    w();
    w(
      'EXPLAIN (ANALYZE, BUFFERS) of the statements above (run directly with pg, on parameters the service sent; ' +
        'execution time over up to 20 parameter sets; the plan of the median one):',
    );
    const firstRuns = opts.concurrency.map((c) => results.filter((r) => r.concurrency === c))[0];
    for (const r of firstRuns) {
      const main = r.statements.filter((s) => s.durations.length >= r.n * 0.5);
      w();
      w(`== ${r.type.name}: ${main.length} statement(s) per request`);
      for (const s of main) {
        const params = s.params.slice(0, 20);
        const plans = [];
        for (const p of params) {
          plans.push({ ...(await explain(db, s.text, p)), params: p });
        }
        plans.sort((a, b) => a['Execution Time'] - b['Execution Time']);
        const exec = plans.map((p) => p['Execution Time']);
        const median = plans[Math.floor((plans.length - 1) / 2)];
        w(`-- ${shortSql(s.text, 400)}`);
        w(
          `   execution time over ${plans.length} parameter sets: min ${fmt(exec[0], 2)} ms, median ${fmt(pct(exec, 0.5), 2)} ms, ` +
            `max ${fmt(exec[exec.length - 1], 2)} ms; planning median ${fmt(
              pct(
                plans.map((p) => p['Planning Time']).sort((a, b) => a - b),
                0.5,
              ),
              2,
            )} ms`,
        );
        if (median.JIT) {
          const jit = median.JIT;
          w(`   JIT: ${jit.Functions} functions, ${fmt(jit.Timing?.Total, 2)} ms of the execution time`);
        }
        w(`   plan (params ${JSON.stringify(median.params)}):`);
        for (const line of planLines(median.Plan)) {
          w(`     ${line}`);
        }
      }
    }
  }

  // 10. the statistics: the service's SQL against the proposed rewrite, run directly with pg, without and
  // with the proposed covering index (created now, in the bench database, after the HTTP measurements)
  if (opts.compare) {
    const statsRun = results.find((r) => r.type.short === 'stats 1 day');
    const statsSql = statsRun?.statements.filter((s) => s.durations.length >= statsRun.n * 0.5) ?? [];
    if (statsSql.length === 2) {
      const [totalsSql, byStatusSql] = statsSql[0].text.includes('percentile_cont')
        ? [statsSql[0].text, statsSql[1].text]
        : [statsSql[1].text, statsSql[0].text];
      const runs = Math.max(20, Math.min(opts.samples, 100));
      const variants = [
        { name: 'service SQL (2 statements)', totals: totalsSql },
        { name: 'proposed totals SQL + the same by-status SQL', totals: PROPOSED_TOTALS_SQL },
      ];
      const rows = [];
      let mismatch = null;
      const measureAll = async (label) => {
        const times = variants.map(() => []);
        for (let i = 0; i < runs + 5; i++) {
          const day = dayAt(i + 11);
          const params = [
            ENTERPRISE,
            new Date(`${day}T00:00:00${LOCAL_OFFSET}`),
            new Date(`${addDays(day, 1)}T00:00:00${LOCAL_OFFSET}`),
          ];
          const answers = [];
          // Alternate the order, so that neither profits from the other's cache warming.
          const order = i % 2 === 0 ? [0, 1] : [1, 0];
          for (const v of order) {
            const ts = process.hrtime.bigint();
            const totals = (await db.query(variants[v].totals, params)).rows[0];
            const byStatus = (await db.query(byStatusSql, params)).rows;
            const ms = Number(process.hrtime.bigint() - ts) / 1e6;
            if (i >= 5) {
              times[v].push(ms);
            }
            answers[v] = statsOf(totals, byStatus);
          }
          if (JSON.stringify(answers[0]) !== JSON.stringify(answers[1]) && !mismatch) {
            mismatch = { day, label, service: answers[0], proposed: answers[1] };
          }
        }
        variants.forEach((v, k) => {
          const t = times[k].sort((x, y) => x - y);
          rows.push([
            `${v.name}, ${label}`,
            t.length,
            fmt(pct(t, 0.5)),
            fmt(pct(t, 0.95)),
            fmt(pct(t, 0.99)),
            fmt(t[t.length - 1]),
          ]);
        });
      };
      log('statistics SQL: service vs proposed, without the covering index ...');
      await measureAll('current indexes');
      log(`statistics SQL: creating ${COVERING_INDEX} ...`);
      const ti = Date.now();
      await db.query(COVERING_INDEX_SQL);
      await db.query('VACUUM (ANALYZE) sms_callbacks');
      const indexSeconds = (Date.now() - ti) / 1000;
      const indexSize = (
        await db.query(`SELECT pg_size_pretty(pg_relation_size($1::regclass)) AS s`, [`"${COVERING_INDEX}"`])
      ).rows[0].s;
      log('statistics SQL: service vs proposed, with the covering index ...');
      await measureAll('+ covering index');

      w();
      w(
        `Statistics of one day, run directly with pg (${runs} random days each, one request at a time, the two ` +
          "variants alternating): the service's statements against the proposed totals statement, first with the " +
          `current indexes, then with the proposed covering index ${COVERING_INDEX} (${indexSize}, built with VACUUM ANALYZE in ${indexSeconds.toFixed(1)} s):`,
      );
      w(`  ${COVERING_INDEX_SQL.replace(/\s+/g, ' ')}`);
      w(table(['statistics SQL (totals + counts by status)', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rows));
      w(
        mismatch
          ? `  RESULTS DIFFER (${mismatch.label}) on ${mismatch.day}: service ${JSON.stringify(mismatch.service)} vs proposed ${JSON.stringify(mismatch.proposed)}`
          : `  same results on all ${2 * (runs + 5)} comparisons (total, distinct request ids, latency count/min/median/p95/max rounded to ms, counts by status)`,
      );
      if (opts.explain) {
        const day = dayAt(3);
        const params = [
          ENTERPRISE,
          new Date(`${day}T00:00:00${LOCAL_OFFSET}`),
          new Date(`${addDays(day, 1)}T00:00:00${LOCAL_OFFSET}`),
        ];
        for (const [label, text] of [
          ["the service's totals statement", totalsSql],
          ['the proposed totals statement', PROPOSED_TOTALS_SQL],
          ['the by-status statement', byStatusSql],
        ]) {
          const plan = await explain(db, text, params);
          w(
            `  EXPLAIN (ANALYZE, BUFFERS), ${label}, with the covering index, ${day}: execution ${fmt(plan['Execution Time'], 2)} ms`,
          );
          for (const line of planLines(plan.Plan)) {
            w(`     ${line}`);
          }
        }
      }
    } else {
      w();
      w(`(comparison of the statistics SQL skipped: expected 2 statements per stats request, saw ${statsSql.length})`);
    }
  }

  w();
  const verdicts = results.filter((r) => r.type.target);
  const missed = verdicts.filter((r) => !(r.p99 < TARGET_MS));
  w(
    missed.length === 0
      ? `All targets met: p99 < ${TARGET_MS} ms for every filtered list and the one-day statistics, at concurrency ${opts.concurrency.join(', ')}.`
      : `Target missed (p99 >= ${TARGET_MS} ms): ${missed.map((r) => `${r.type.name} at concurrency ${r.concurrency} (p99 ${fmt(r.p99)} ms)`).join('; ')}.`,
  );
  w(`Total run time ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  w();
  process.stdout.write(out.join('\n'));
}

runBench({ name: 'bench:queries', main, cleanup });
