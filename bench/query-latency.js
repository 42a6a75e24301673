#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:queries`: latency of the read API with 20,000,000 stored callbacks over 30 days and 200
 * enterprises, on a PostgreSQL server; and the time a retention run takes to drop one day.
 *
 *   node bench/query-latency.js [--count 2000000] [--other-count 18000000] [--other-enterprises 199]
 *        [--samples 300] [--warmup 30] [--concurrency 1,4] [--seed-jobs 2] [--no-build] [--no-explain] [--keep-db]
 *        [--verbose]
 *
 * Builds the service (`npx nest build`), creates a fresh database on the server named by DATABASE_URL (the admin
 * connection, default postgresql://postgres@127.0.0.1:5432/postgres; 127.0.0.1 only), starts
 * `node dist/src/main.js` on it (its migrations create the partitioned schema), issues a license with the service's
 * CLI for the measured enterprise and --other-enterprises licenses in SQL, creates the daily partitions of the
 * seeded window (the 30 local days before today), seeds --count callbacks for the measured enterprise and
 * --other-count for the others, set-based in SQL (bench/seed-callbacks.js), then measures over HTTP, against the
 * running service, with --concurrency requests in flight (one after the other for 1), the six reads of issue 15:
 * list by msisdn (and by its national form), by requestId, by referentId, the unfiltered first page (its
 * total_record capped at 10,000), one local day's statistics, the 30 days' statistics; and prints p50 / p95 / p99
 * / max per read against its target (p99 at the highest concurrency). Then the SQL statements the service sent
 * (captured inside the service, see below) with their time as the service saw it, and EXPLAIN (ANALYZE, BUFFERS)
 * of each, run directly with pg on sampled parameters. Last, retention: `npm run callbacks -- maintain` with the
 * retention that drops the oldest full day, while 4 connections post callbacks (the time, and their slowest answer).
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
const { compareWithExact, rollUp } = require('./stats-rollup-check');
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
const { seedCallbacks, vacuumAnalyze, withRetries } = require('./seed-callbacks');

const ROOT = path.resolve(__dirname, '..');
const SERVICE_MAIN = path.join(ROOT, 'dist/src/main.js');
const LICENSE_CLI = path.join(ROOT, 'dist/src/license/cli/license.cli.js');
const LIST_PATH = '/api/vendor/v1/sms/callback';
const STATS_PATH = '/api/vendor/v1/sms/callback/stats';
const ENTERPRISE = 'bench';
const OTHER_ENTERPRISE = 'bench-other';
const SEED_DAYS = 30;
/** The seeded window: the 30 local days before today (UTC date), so that it is in the partitions' present. */
const SEED_START = new Date(Date.now() - SEED_DAYS * 86_400_000).toISOString().slice(0, 10);
const CALLBACKS_CLI = path.join(ROOT, 'dist/src/sms-callback/cli/callbacks.cli.js');
const TIMEZONE = 'Asia/Ho_Chi_Minh';
/** `+07:00`: Asia/Ho_Chi_Minh has no daylight saving time. */
const LOCAL_OFFSET = '+07:00';

const log = (text) => process.stderr.write(`[bench:queries] ${text}\n`);

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      count: { type: 'string', default: '2000000' },
      'other-count': { type: 'string', default: '18000000' },
      'other-enterprises': { type: 'string', default: '199' },
      samples: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '30' },
      concurrency: { type: 'string', default: '1,4' },
      'seed-jobs': { type: 'string', default: '2' },
      'no-build': { type: 'boolean', default: false },
      'no-explain': { type: 'boolean', default: false },
      'keep-db': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const int = (name, min, max) => numberOption(values, name, min, max);
  const concurrency = integerListOption(values, 'concurrency', 1, 64);
  return {
    help: values.help,
    count: int('count', 1_000, 100_000_000),
    otherCount: int('other-count', 0, 100_000_000),
    otherEnterprises: int('other-enterprises', 1, 100_000),
    samples: int('samples', 10, 100_000),
    warmup: int('warmup', 0, 10_000),
    concurrency,
    seedJobs: int('seed-jobs', 1, 16),
    build: !values['no-build'],
    explain: !values['no-explain'],
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

/**
 * A pg connection that opens again at its next query after the server dropped it (someone restarted the shared
 * PostgreSQL during a long seeding).
 */
function reconnecting(connectionString, name) {
  let client = null;
  const open = async () => {
    const opened = new Client({ connectionString, connectionTimeoutMillis: 5_000 });
    opened.on('error', (err) => {
      log(`${name} connection: ${err.message}`);
      if (client === opened) {
        client = null;
      }
    });
    await opened.connect();
    client = opened;
    return opened;
  };
  return {
    connect: open,
    query: async (...args) => (client ?? (await open())).query(...args),
    end: async () => {
      if (client) {
        await client.end();
      }
    },
  };
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

/**
 * Runs `npm run callbacks -- maintain` with the retention that expires the oldest full day of the seeded window
 * (after a first run that expires the partial day before it), while 4 connections keep posting callbacks to the
 * service: how long the run took, what it dropped, and the slowest callback answer during it. Returns the lines.
 */
async function measureRetention({ db, env, port, apiKey }) {
  const today = new Date().toISOString().slice(0, 10);
  const oldestFull = SEED_START;
  const daysBetween = (a, b) => Math.round((new Date(`${b}T00:00:00Z`) - new Date(`${a}T00:00:00Z`)) / 86_400_000);
  const maintain = async (retentionDays) => {
    const run = await runCommand(process.execPath, [CALLBACKS_CLI, 'maintain', '--json'], {
      env: { ...env, CALLBACK_RETENTION_DAYS: String(retentionDays) },
      timeoutMs: 600_000,
    });
    if (run.code !== 0) {
      throw new HarnessError(`callbacks CLI failed (code ${run.code}):\n${run.output}`);
    }
    return JSON.parse(run.output.trim().split('\n').filter(Boolean).pop());
  };
  // Partitions whose day ends at or before today - N expire: N = days from the oldest full day's end to today.
  const first = await maintain(daysBetween(oldestFull, today));
  log(`retention: a first run dropped ${first.dropped.join(', ') || 'nothing'} in ${first.durationMs} ms`);
  const name = `sms_callbacks_p${oldestFull.replace(/-/g, '')}`;
  const rows = (await db.query(`SELECT count(*)::int AS n FROM "${name}"`)).rows[0].n;
  const writes = startWriteLoad(port, apiKey, 4);
  await sleep(2_000);
  const t0 = Date.now();
  const report = await maintain(daysBetween(oldestFull, today) - 1);
  const wallMs = Date.now() - t0;
  const during = writes.since(t0);
  await sleep(1_000);
  const load = await writes.stop();
  log(`retention: dropped ${report.dropped.join(', ')} (${rows} rows) in ${report.durationMs} ms`);
  return [
    `Retention (npm run callbacks -- maintain, CALLBACK_RETENTION_DAYS=${report.retentionDays}): dropped ${report.dropped.join(', ') || 'NOTHING'} ` +
      `(${rows.toLocaleString('en')} callbacks, one day): the drop (partition and its day of the rollup) ${report.dropMs} ms ` +
      `(target: under a second); the whole maintenance run ${report.durationMs} ms, the statistics rollup included ` +
      `(${wallMs} ms for the whole CLI process, start-up included); failures: ${report.failures.length ? report.failures.join('; ') : 'none'}.`,
    `  meanwhile 4 connections posted callbacks: ${during.count} answered during the run, slowest ${fmt(during.max)} ms ` +
      `(p50 ${fmt(during.p50)} ms); over the whole load ${load.count} answers, ${load.errors} not 2xx.`,
  ].join('\n');
}

/** `connections` loops posting distinct callbacks; `since(t)` summarises the answers that ended after t. */
function startWriteLoad(port, apiKey, connections) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const answers = [];
  let errors = 0;
  let running = true;
  let n = 0;
  const post = () =>
    new Promise((resolve) => {
      const body = JSON.stringify({
        msisdn: '84912345678',
        requestId: `retention-${process.pid}-${n++}`,
        sendTime: new Date().toISOString(),
        status: 0,
        referentId: 'retention',
        retryCount: 0,
      });
      const t0 = process.hrtime.bigint();
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: LIST_PATH,
          agent,
          headers: { 'API-KEY': apiKey, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            answers.push({ end: Date.now(), ms: Number(process.hrtime.bigint() - t0) / 1e6 });
            errors += res.statusCode >= 300 ? 1 : 0;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const loops = Array.from({ length: connections }, async () => {
    while (running) {
      await post();
    }
  });
  const summary = (list) => {
    const ms = list.map((a) => a.ms).sort((a, b) => a - b);
    return { count: ms.length, p50: pct(ms, 0.5), max: ms[ms.length - 1], errors };
  };
  return {
    since: (t) => summary(answers.filter((a) => a.end >= t)),
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return summary(answers);
    },
  };
}

/**
 * Daily partitions (UTC days, as the service names them) for `days` days from `first` (YYYY-MM-DD), where none
 * exists yet. A fresh database: no callback is in the default partition for these days.
 */
async function createPartitions(db, first, days) {
  const { rows } = await db.query(
    `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'sms_callbacks'::regclass`,
  );
  const existing = new Set(rows.map((r) => r.relname));
  let created = 0;
  for (let i = 0; i < days; i++) {
    const day = addDays(first, i);
    const name = `sms_callbacks_p${day.replace(/-/g, '')}`;
    if (!existing.has(name)) {
      await db.query(
        `CREATE TABLE "${name}" PARTITION OF sms_callbacks FOR VALUES FROM ('${day} 00:00:00+00') TO ('${addDays(day, 1)} 00:00:00+00')`,
      );
      created++;
    }
  }
  return created;
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
  state.admin = reconnecting(adminUrl, 'admin');
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

  // 4. licenses: the measured enterprise's through the CLI (a real key), the others' straight into the table
  const license = await issueLicense(env, ENTERPRISE);
  log(`issued license ${license.id} (${license.keyPrefix}...) for enterprise ${ENTERPRISE}`);
  state.db = reconnecting(benchUrl, 'bench');
  await state.db.connect();
  const db = state.db;
  const others =
    opts.otherCount > 0
      ? (
          await db.query(
            `INSERT INTO licenses (enterprise_id, key_prefix, key_hash, label)
             SELECT $1 || '-' || g, 'smscb_bench', encode(sha256(($1 || g || random())::bytea), 'hex'), 'bench:queries'
               FROM generate_series(1, $2::int) AS g RETURNING id AS "licenseId", enterprise_id AS enterprise`,
            [OTHER_ENTERPRISE, opts.otherEnterprises],
          )
        ).rows
      : [];

  // 5. the partitions of the seeded window (the service keeps yesterday's, today's and the week ahead), then seed
  const created = await createPartitions(db, addDays(SEED_START, -1), SEED_DAYS + 1);
  log(`created ${created} daily partitions for the seeded window`);
  // Seeding 20 M rows into 7 indexes row by row is slow (random B-tree inserts): the indexes go, and come back as
  // the migration made them once the rows are in (one sorted build per partition).
  const indexes = (
    await db.query(
      `SELECT indexrelid::regclass::text AS name, replace(pg_get_indexdef(indexrelid), ' ON ONLY ', ' ON ') AS def
         FROM pg_index WHERE indrelid = 'sms_callbacks'::regclass`,
    )
  ).rows;
  for (const index of indexes) {
    await db.query(`DROP INDEX ${index.name}`);
  }
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
    skipAnalyze: true,
    log: seedLog,
  });
  let seededOther = null;
  if (others.length > 0) {
    log(
      `seeding ${opts.otherCount.toLocaleString('en')} callbacks for ${others.length} other enterprises (${OTHER_ENTERPRISE}-N) ...`,
    );
    seededOther = await seedCallbacks({
      databaseUrl: benchUrl,
      enterprises: others,
      count: opts.otherCount,
      chunk: 200_000,
      msisdns: Math.max(1, Math.min(5_000_000, Math.round(opts.otherCount / 5))),
      jobs: opts.seedJobs,
      start: SEED_START,
      days: SEED_DAYS,
      timezone: TIMEZONE,
      skipAnalyze: true,
      log: seedLog,
    });
  }
  const tIndexes = Date.now();
  for (const index of indexes) {
    log(`  ${index.def}`);
    await withRetries(benchUrl, seedLog, async (client) => {
      await client.query(`SET maintenance_work_mem = '256MB'`);
      await client.query(index.def.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX IF NOT EXISTS '));
    });
  }
  const indexSeconds = (Date.now() - tIndexes) / 1000;
  log(`indexes built in ${indexSeconds.toFixed(0)} s; VACUUM (ANALYZE) ...`);
  const vacuumed = await vacuumAnalyze(benchUrl, true, seedLog);
  service.ensureAlive();

  // 5b. the statistics rollup of the seeded window, as the maintenance job makes it (its first run over 30 days)
  log('rolling the statistics up (npm run callbacks -- maintain) ...');
  const rollup = await rollUp({ runCommand, cli: CALLBACKS_CLI, env, HarnessError });
  const rollupSize = (
    await db.query(
      `SELECT count(*)::int AS rows, pg_size_pretty(pg_total_relation_size('sms_callback_stats_hourly')) AS size
         FROM sms_callback_stats_hourly`,
    )
  ).rows[0];
  const rollupLine =
    `Statistics rollup (npm run callbacks -- maintain, its first run): ${rollup.report.rollup?.hours ?? 0} hours, ` +
    `${(rollup.report.rollup?.callbacks ?? 0).toLocaleString('en')} callbacks rolled up in ${(rollup.ms / 1000).toFixed(1)} s ` +
    `(load ${loadavg()}); ${rollupSize.rows.toLocaleString('en')} rollup rows, ${rollupSize.size}; failures: ${rollup.report.failures.join('; ') || 'none'}`;
  log(rollupLine);

  const counts = (
    await db.query(
      `SELECT enterprise_id, count(*)::int AS n, count(DISTINCT msisdn_normalized)::int AS msisdns,
              count(DISTINCT request_id)::int AS requests
         FROM sms_callbacks WHERE enterprise_id = $1 GROUP BY enterprise_id
       UNION ALL
       SELECT $2 || '-*', count(*)::int, NULL, NULL FROM sms_callbacks WHERE enterprise_id <> $1`,
      [ENTERPRISE, OTHER_ENTERPRISE],
    )
  ).rows;
  // The partitions' sizes: pg_table_size of a partitioned table is 0.
  const sizes = (
    await db.query(
      `SELECT pg_size_pretty(sum(pg_table_size(inhrelid))) AS heap, pg_size_pretty(sum(pg_indexes_size(inhrelid))) AS indexes,
              count(*)::int AS partitions
         FROM pg_inherits WHERE inhparent = 'sms_callbacks'::regclass`,
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
      `SELECT msisdn_normalized, request_id, referent_id FROM sms_callbacks TABLESAMPLE BERNOULLI (0.05) WHERE enterprise_id = $1`,
      [ENTERPRISE],
    )
  ).rows;
  const msisdns = shuffle([...new Set(sample.map((r) => r.msisdn_normalized))]);
  const requestIds = shuffle([...new Set(sample.map((r) => r.request_id))]);
  const referentIds = shuffle([...new Set(sample.map((r) => r.referent_id))]);
  const national = (n) => (n.startsWith('84') ? `0${n.slice(2)}` : n);
  const days = Array.from({ length: SEED_DAYS }, (_, i) => addDays(SEED_START, i));
  const dayAt = (i) => days[(i * 7 + Math.floor(i / SEED_DAYS)) % SEED_DAYS];
  const dayRange = (day) =>
    `sentFrom=${encodeURIComponent(`${day}T00:00:00${LOCAL_OFFSET}`)}&sentTo=${encodeURIComponent(`${addDays(day, 1)}T00:00:00${LOCAL_OFFSET}`)}`;
  const listed = (body) => Array.isArray(body.data) && body.data.length > 0;
  const window = `sentFrom=${encodeURIComponent(`${days[0]}T00:00:00${LOCAL_OFFSET}`)}&sentTo=${encodeURIComponent(`${addDays(days[0], SEED_DAYS)}T00:00:00${LOCAL_OFFSET}`)}`;
  // The six reads of issue 15, each with its target (p99 at 4 concurrent requests), and the national-form number.
  const queryTypes = [
    {
      name: 'list msisdn=84...',
      targetMs: 50,
      next: (i) => `${LIST_PATH}?msisdn=${msisdns[i % msisdns.length]}&limit=20`,
      check: listed,
    },
    {
      name: 'list msisdn=09... (national form)',
      targetMs: 50,
      next: (i) => `${LIST_PATH}?msisdn=${national(msisdns[(i + 7919) % msisdns.length])}&limit=20`,
      check: listed,
    },
    {
      name: 'list requestId=...',
      targetMs: 50,
      next: (i) => `${LIST_PATH}?requestId=${requestIds[i % requestIds.length]}&limit=20`,
      check: listed,
    },
    {
      name: 'list referentId=...',
      targetMs: 50,
      next: (i) => `${LIST_PATH}?referentId=${referentIds[i % referentIds.length]}&limit=20`,
      check: listed,
    },
    {
      name: 'list, no filter, page 1',
      targetMs: 50,
      next: () => `${LIST_PATH}?limit=20`,
      check: (body) => listed(body) && body.total_record === 10_000,
    },
    {
      name: 'stats one local day',
      targetMs: 100,
      next: (i) => `${STATS_PATH}?${dayRange(dayAt(i))}`,
      check: (body) => body.data && body.data.total > 0,
    },
    {
      name: 'stats 30 days',
      targetMs: 1_000,
      samples: Math.min(opts.samples, 40),
      next: () => `${STATS_PATH}?${window}`,
      check: (body) => body.data && body.data.total > 0,
    },
  ];
  log(
    `${msisdns.length} numbers, ${requestIds.length} request ids and ${referentIds.length} referent ids sampled; ${days.length} days ${days[0]} .. ${days[days.length - 1]}`,
  );

  // 7. measure
  const results = [];
  for (const concurrency of opts.concurrency) {
    for (const type of queryTypes) {
      service.ensureAlive();
      const samples = type.samples ?? opts.samples;
      const warmup = type.samples ? Math.min(opts.warmup, 3) : opts.warmup;
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

  // 7b. the rollup's answers against the exact SQL (30 days, one day)
  const comparisons = [];
  for (const [label, from, to] of [
    ['30 days', `${days[0]}T00:00:00${LOCAL_OFFSET}`, `${addDays(days[0], SEED_DAYS)}T00:00:00${LOCAL_OFFSET}`],
    ['one local day', `${days[3]}T00:00:00${LOCAL_OFFSET}`, `${addDays(days[3], 1)}T00:00:00${LOCAL_OFFSET}`],
  ]) {
    const line = await compareWithExact({
      db,
      port,
      apiKey: license.apiKey,
      enterprise: ENTERPRISE,
      label,
      from,
      to,
      statsPath: STATS_PATH,
    });
    log(line);
    comparisons.push(line);
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
  w(`  ${sizes.partitions} partitions: tables ${sizes.heap}, their indexes ${sizes.indexes}`);
  w(
    `  seeded ${ENTERPRISE}: ${Math.round(seeded.rowsPerSecond).toLocaleString('en')} rows/s (${seeded.insertSeconds.toFixed(1)} s)` +
      (seededOther
        ? `; ${OTHER_ENTERPRISE}-*: ${Math.round(seededOther.rowsPerSecond).toLocaleString('en')} rows/s (${seededOther.insertSeconds.toFixed(0)} s)`
        : '') +
      ` (without indexes); the ${indexes.length} indexes built in ${indexSeconds.toFixed(0)} s; VACUUM (ANALYZE) ${vacuumed.analyzeSeconds.toFixed(0)} s`,
  );
  const allVisible = vacuumed.allVisible;
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
      `${opts.warmup} warm-up requests; random stored numbers / ids / days; the 30-day statistics ${Math.min(opts.samples, 40)}). ` +
      `Targets (issue 15): p99 at ${Math.max(...opts.concurrency)} concurrent requests.`,
  );
  w(
    table(
      [
        'query',
        'conc',
        'n',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'target p99',
        'met',
        'not 200',
        'empty',
        'load 1m',
      ],
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
          `${r.type.targetMs} ms`,
          r.p99 <= r.type.targetMs ? 'yes' : 'NO',
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

  w();
  const verdicts = results.filter((r) => r.concurrency === Math.max(...opts.concurrency));
  const missed = verdicts.filter((r) => !(r.p99 <= r.type.targetMs));
  w(
    missed.length === 0
      ? `All read targets met at concurrency ${Math.max(...opts.concurrency)}.`
      : `Read targets missed at concurrency ${Math.max(...opts.concurrency)}: ${missed.map((r) => `${r.type.name} (p99 ${fmt(r.p99)} ms, target ${r.type.targetMs} ms)`).join('; ')}.`,
  );
  w();
  w(rollupLine);
  for (const line of comparisons) {
    w(line);
  }
  w();
  // Retention last (after the EXPLAINs, which read the days it drops): the oldest full day, under a write load.
  w(await measureRetention({ db, env, port, apiKey: license.apiKey }));
  w(`Total run time ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  w();
  process.stdout.write(out.join('\n'));
}

runBench({ name: 'bench:queries', main, cleanup });
