#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: the service against a minimal Express + pg baseline, on a fresh PostgreSQL database.
 * See bench/README.md for what it does and prints. Exit code: 0 when the run completed (whatever the
 * figures), 1 on a harness failure (build, database, a server that does not start, ...), 130 on Ctrl-C.
 */
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Client } = require('pg');
const {
  HarnessError,
  freePort,
  integerListOption,
  numberOption,
  runBench,
  sleep,
  table,
  withTimeout,
} = require('./harness');
const { cpuTimesOf, describeExit, runCommand, startChild, stopAll, waitUntilAnswering } = require('./processes');
const { CALLBACK_PATH, issueLicense, load, serviceEnvFor } = require('./callback-load');
const { BenchBroker, backlogSampler, outboxDrained } = require('./stream');

const ROOT = path.resolve(__dirname, '..');
const SERVICE_MAIN = path.join(ROOT, 'dist/src/main.js');
const LICENSE_CLI = path.join(ROOT, 'dist/src/cli/license/license.cli.js');
const BASELINE_MAIN = path.join(__dirname, 'baseline-server.js');
const ENTERPRISE = 'bench';

const USAGE = `Usage: node bench/run.js [options]    (npm run bench -- [options])

  --duration <s>          measured seconds per variant and connection count (default 10)
  --warmup <s>            warm-up seconds before each measurement, not counted (default 3; 0 = none)
  --first-warmup <s>      warm-up of each server before its first measurement, at the highest connection
                          count, not counted (default 10; 0 = none): its JIT compiles the hot path first
  --connections <list>    comma-separated connection counts (default 16,64)
  --rounds <n>            measured runs per variant and connection count, service and baseline taking
                          turns (default 3): a drift in the machine's speed hits both alike
  --soak-duration <s>     soak seconds against the service (default 60)
  --soak-connections <n>  soak connections (default 64)
  --no-soak               skip the soak
  --no-baseline           measure the service only (no ratios)
  --no-stream             leave out the variant with the stream to RabbitMQ on (BROKER_URL)
  --web-concurrency <n>   WEB_CONCURRENCY of the multi-process variants "cluster" and "cluster-batch" (default 2;
                          0 = leave them out)
  --batch-size <n>        callbacks per request of the batch variants "batch" and "cluster-batch", on
                          POST .../callback/batch (default 100; 0 = leave them out)
  --unpartitioned         also measure the same service on an unpartitioned callbacks table (a second database,
                          same columns and indexes), taking turns with the others: the cost of partitioning
  --no-build              use the existing dist/ (no \`nest build\`)
  --pool-size <n>         DB_POOL_SIZE of both servers (default 10, the service default)
  --keep-db               do not drop the bench database at the end (its name is printed)
  --verbose               copy the servers' output to stderr
  --service-node-args <a> extra node options for the service, space-separated (--service-node-args="--trace-gc")
  -h, --help

Environment: DATABASE_URL = the admin connection used to create and drop the bench database
(default postgresql://postgres@127.0.0.1:5432/postgres); BENCH_BROKER_URL = the RabbitMQ of the stream
variant (default amqp://guest:guest@127.0.0.1:5672), where it makes an exchange and a queue of its own.`;

// ---------------------------------------------------------------------------------------------------
// options

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      'first-warmup': { type: 'string', default: '10' },
      connections: { type: 'string', default: '16,64' },
      rounds: { type: 'string', default: '3' },
      'soak-duration': { type: 'string', default: '60' },
      'soak-connections': { type: 'string', default: '64' },
      'pool-size': { type: 'string', default: '10' },
      'no-soak': { type: 'boolean', default: false },
      'no-baseline': { type: 'boolean', default: false },
      'no-stream': { type: 'boolean', default: false },
      'web-concurrency': { type: 'string', default: '2' },
      'batch-size': { type: 'string', default: '100' },
      unpartitioned: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'keep-db': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      'service-node-args': { type: 'string', default: '' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const num = (name, min, max) => numberOption(values, name, min, max, { fraction: true });
  const connections = integerListOption(values, 'connections', 1, 1000);
  return {
    help: values.help,
    duration: num('duration', 1, 3600),
    warmup: num('warmup', 0, 600),
    firstWarmup: num('first-warmup', 0, 600),
    rounds: numberOption(values, 'rounds', 1, 100),
    connections,
    soakDuration: num('soak-duration', 1, 24 * 3600),
    soakConnections: num('soak-connections', 1, 1000),
    poolSize: num('pool-size', 1, 200),
    soak: !values['no-soak'],
    baseline: !values['no-baseline'],
    stream: !values['no-stream'],
    webConcurrency: numberOption(values, 'web-concurrency', 0, 64),
    batchSize: numberOption(values, 'batch-size', 0, 1000),
    unpartitioned: values.unpartitioned,
    build: !values['no-build'],
    keepDb: values['keep-db'],
    verbose: values.verbose,
    serviceNodeArgs: values['service-node-args'].split(/\s+/).filter(Boolean),
  };
}

// ---------------------------------------------------------------------------------------------------
// small helpers

const log = (text) => process.stderr.write(`[bench] ${text}\n`);

function dbUrl(adminUrl, database) {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** VmRSS and VmHWM of a process, in bytes (null when it is gone). */
function memoryOf(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number((status.match(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm')) ?? [])[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** The process and its descendants (the workers of the multi-process mode), pids as numbers. */
function treeOf(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const child of fs.readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim().split(/\s+/)) {
        if (child) {
          pids.push(Number(child));
        }
      }
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** VmRSS of every process of the tree (pid -> bytes) and their sum. */
function treeMemoryOf(pid) {
  const each = new Map();
  for (const p of treeOf(pid)) {
    const m = memoryOf(p);
    if (m) {
      each.set(p, m.rss);
    }
  }
  return { each, rss: [...each.values()].reduce((a, b) => a + b, 0) };
}

/** CPU time of a process and of its live descendants, in ms (workers that died meanwhile are not counted). */
function treeCpuOf(pid) {
  return treeOf(pid).reduce((total, p) => total + (cpuTimesOf(p)?.own ?? 0), 0);
}

/**
 * The CPU times of this machine's processes named `comm` whose command line `keep` accepts (pid -> times);
 * empty when there are none.
 */
function cpuSnapshotOf(comm, keep = () => true) {
  const snapshot = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      if (
        fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm &&
        keep(fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' '))
      ) {
        const times = cpuTimesOf(entry);
        if (times) {
          snapshot.set(entry, times);
        }
      }
    } catch {
      // gone meanwhile
    }
  }
  return snapshot;
}

/** `postgres: 15/main: <user> <database> <host>(<port>) <state>`: a client's backend, and its database. */
const CLIENT_BACKEND = /^postgres: [^:]+: \S+ (\S+) (\S+\(\d+\)|\[local\])/;
/**
 * PostgreSQL's processes but for the backends of other databases (the bench's start with its name): on a shared machine, other people's
 * sessions are not the bench's cost (the server's own processes, shared by all, are counted).
 */
const postgresCpuSnapshot = (database) =>
  cpuSnapshotOf('postgres', (cmdline) => {
    const backend = CLIENT_BACKEND.exec(cmdline);
    return !backend || backend[1].startsWith(database);
  });
/** RabbitMQ's Erlang VM. */
const brokerCpuSnapshot = () => cpuSnapshotOf('beam.smp');

/**
 * CPU time the processes of two snapshots (PostgreSQL's, RabbitMQ's) used between them, in ms. PostgreSQL's
 * backends come and go (a pool closes its idle connections): one that ended in between is in its parent's
 * reaped time, from which the part it had used before the first snapshot is taken out.
 */
function cpuBetween(before, after) {
  let total = 0;
  for (const [pid, times] of after) {
    const earlier = before.get(pid);
    total += times.own - (earlier?.own ?? 0) + (earlier ? times.reaped - earlier.reaped : 0);
  }
  for (const [pid, times] of before) {
    if (!after.has(pid)) {
      total -= times.own;
    }
  }
  return Math.max(0, total);
}

const mb = (bytes) =>
  bytes === null || bytes === undefined || Number.isNaN(bytes) ? '-' : (bytes / 1048576).toFixed(1);

/** Samples a process's RSS every 250 ms; `peakSince(mark)` = the highest sample since `mark()`. */
class RssSampler {
  constructor(pid, { tree = false } = {}) {
    this.pid = pid;
    this.tree = tree;
    /** pid -> highest VmRSS sampled (of each process of the tree), with when. */
    this.perProcess = [];
    this.samples = [];
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
    this.sample();
  }
  sample() {
    if (this.tree) {
      const { each, rss } = treeMemoryOf(this.pid);
      if (each.size > 0) {
        this.samples.push({ t: Date.now(), rss, each });
      }
      return { rss };
    }
    const m = memoryOf(this.pid);
    if (m) {
      this.samples.push({ t: Date.now(), rss: m.rss, hwm: m.hwm });
    }
    if (this.samples.length > 100_000) {
      this.samples.splice(0, 50_000);
    }
    return m;
  }
  mark() {
    return Date.now();
  }
  peakSince(t0, t1 = Infinity) {
    let peak = null;
    for (const s of this.samples) {
      if (s.t >= t0 && s.t <= t1 && (peak === null || s.rss > peak)) {
        peak = s.rss;
      }
    }
    return peak;
  }
  /** The highest RSS of each process between t0 and t1: `primary 52 / 180 / 182` (the primary first). */
  peaksPerProcessSince(t0, t1 = Infinity) {
    const peaks = new Map();
    for (const s of this.samples) {
      if (s.t >= t0 && s.t <= t1 && s.each) {
        for (const [pid, rss] of s.each) {
          peaks.set(pid, Math.max(peaks.get(pid) ?? 0, rss));
        }
      }
    }
    return [...peaks.entries()].map(([pid, rss]) => ({ pid, rss, primary: pid === this.pid }));
  }
  stop() {
    clearInterval(this.timer);
  }
}

/** Starts a server to measure on a free port, waits until it answers and samples its RSS. */
async function startTarget(name, args, env, timeoutMs, opts) {
  const port = await freePort();
  const info = startChild(name, args, { ...env, PORT: String(port) }, opts);
  await waitUntilAnswering(info, port, timeoutMs);
  log(`${name} answering on port ${port} (pid ${info.child.pid})`);
  const sampler = new RssSampler(info.child.pid);
  state.samplers.push(sampler);
  return { name, port, info, sampler };
}

// ---------------------------------------------------------------------------------------------------
// load

async function rowsOf(db, table, tag) {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE request_id LIKE $1`, [`req-${tag}-%`]);
  return rows[0].n;
}

/** Rows of the run; when they differ from the 2xx count, waits a little for late commits and recounts. */
async function storedRows(db, table, run) {
  let rows = await rowsOf(db, table, run.tag);
  for (let i = 0; i < 5 && rows !== run.acked; i++) {
    await sleep(1_000);
    rows = await rowsOf(db, table, run.tag);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// output

const fmt = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? '-' : Number(n).toFixed(digits));

function rowCheck(run) {
  if (run.rows === run.acked) {
    return 'ok';
  }
  return run.rows < run.acked
    ? `MISMATCH (${run.acked - run.rows} acked, not stored)`
    : `MISMATCH (+${run.rows - run.acked} unacked)`;
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const sum = (runs, pick) => runs.reduce((total, run) => total + pick(run), 0);

/** The rounds of one variant and connection count as one run (see the report's legend). */
function combine(runs) {
  const completed = sum(runs, (r) => r.completed);
  const other = {};
  for (const run of runs) {
    for (const [code, n] of Object.entries(run.counts.other)) {
      other[code] = (other[code] ?? 0) + n;
    }
  }
  return {
    target: runs[0].target,
    connections: runs[0].connections,
    round: null,
    rps: completed / sum(runs, (r) => r.elapsed),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    max: Math.max(...runs.map((r) => r.max)),
    errors: sum(runs, (r) => r.errors),
    timeouts: sum(runs, (r) => r.timeouts),
    non2xx: sum(runs, (r) => r.non2xx),
    counts: {
      s2xx: sum(runs, (r) => r.counts.s2xx),
      s201: sum(runs, (r) => r.counts.s201),
      s200: sum(runs, (r) => r.counts.s200),
      other,
    },
    rows: sum(runs, (r) => r.rows),
    acked: sum(runs, (r) => r.acked),
    batch: runs[0].batch,
    callbacksPerSecond: sum(runs, (r) => r.acked) / sum(runs, (r) => r.elapsed),
    cpuPerCallback: sum(runs, (r) => r.cpuMs) / sum(runs, (r) => r.acked),
    peakRssEach: mergePeaks(runs.map((r) => r.peakRssEach ?? [])),
    peakRss: Math.max(...runs.map((r) => r.peakRss ?? 0)),
    cpuPerReq: sum(runs, (r) => r.cpuMs) / completed,
    pgCpuPerReq: sum(runs, (r) => r.pgCpuMs) / completed,
    rmqCpuPerReq: sum(runs, (r) => r.rmqCpuMs) / completed,
    messages: runs.some((r) => r.messages === undefined) ? undefined : sum(runs, (r) => r.messages),
    backlogPeak: Math.max(...runs.map((r) => r.backlogPeak ?? 0)),
    catchUpMs: Math.max(...runs.map((r) => r.catchUpMs ?? 0)),
  };
}

/** The highest RSS of each process over several runs (by pid; the primary first). */
function mergePeaks(lists) {
  const peaks = new Map();
  for (const list of lists) {
    for (const p of list) {
      const seen = peaks.get(p.pid);
      peaks.set(p.pid, { ...p, rss: Math.max(seen?.rss ?? 0, p.rss) });
    }
  }
  return [...peaks.values()].sort((a, b) => Number(b.primary) - Number(a.primary));
}

/** `52 + 180 + 182` (MB): the primary's peak, then each worker's. */
function rssEach(peaks) {
  return peaks.length > 1 ? peaks.map((p) => mb(p.rss).replace(/\.\d$/, '')).join('+') : '-';
}

/** The throughput ratio `target` / `reference` of each round at `connections`. */
function throughputPerRound(results, target, reference, connections) {
  return results
    .filter((r) => r.target === target && r.connections === connections)
    .map((run) => {
      const other = results.find(
        (r) => r.target === reference && r.connections === connections && r.round === run.round,
      );
      return other ? fmt(run.rps / other.rps, 2) : '-';
    });
}

function otherCodes(run) {
  const entries = Object.entries(run.counts.other);
  return entries.length ? ' ' + entries.map(([code, n]) => `${code}x${n}`).join(',') : '';
}

// ---------------------------------------------------------------------------------------------------
// main

async function createDatabase(adminUrl, name) {
  await state.admin.query(`CREATE DATABASE "${name}"`);
  state.dbNames.push(name);
  state.dbName ??= name;
  log(`created database ${name}`);
  return dbUrl(adminUrl, name);
}

/**
 * Starts the built service on `url` (its migrations create the schema) and issues it a license with the CLI;
 * `env` on top of the bench's environment (the stream is off unless it sets BROKER_URL).
 */
async function startService(url, name, opts, env = {}) {
  const servicePort = await freePort();
  const serviceEnv = serviceEnvFor(url, servicePort, opts.poolSize, env);
  const service = startChild(name, [...opts.serviceNodeArgs, SERVICE_MAIN], serviceEnv, opts);
  const serviceStart = Date.now();
  await waitUntilAnswering(service, servicePort, 90_000);
  log(
    `${name} answering on port ${servicePort} (pid ${service.child.pid}) after ${((Date.now() - serviceStart) / 1000).toFixed(1)} s`,
  );
  const serviceSampler = new RssSampler(service.child.pid, { tree: Number(env.WEB_CONCURRENCY ?? 1) > 1 });
  state.samplers.push(serviceSampler);
  const license = await issueLicense(LICENSE_CLI, serviceEnv, ENTERPRISE);
  log(`issued license ${license.id} (${license.keyPrefix}...) for enterprise ${ENTERPRISE} on ${name}`);
  return { service, servicePort, serviceEnv, serviceSampler, license };
}

/**
 * A client whose connection may end under it (PostgreSQL restarted by someone else on a shared machine): logged,
 * and its next query fails, so the run ends through the clean-up instead of crashing with the servers left running.
 */
function watched(client) {
  client.on('error', (err) => log(`database connection lost: ${err.message}`));
  return client;
}

const state = {
  admin: null,
  db: null,
  dbName: null,
  dbNames: [],
  clients: [],
  keepDb: false,
  cleaning: null,
  samplers: [],
  broker: null,
};

async function cleanup() {
  if (state.cleaning) {
    return state.cleaning;
  }
  state.cleaning = (async () => {
    for (const s of state.samplers) {
      s.stop();
    }
    await stopAll();
    for (const client of [state.db, ...state.clients].filter(Boolean)) {
      await client.end().catch(() => {});
    }
    if (state.broker) {
      await state.broker.close();
      log(`deleted exchange and queue ${state.broker.queue}`);
    }
    for (const name of state.admin ? state.dbNames : []) {
      if (state.keepDb) {
        log(`kept database ${name}`);
        continue;
      }
      try {
        await withTimeout(state.admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), 30_000, 'DROP DATABASE');
        log(`dropped database ${name}`);
      } catch (err) {
        log(`could not drop database ${name}: ${err.message}`);
      }
    }
    if (state.admin) {
      await state.admin.end().catch(() => {});
    }
  })();
  return state.cleaning;
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  state.keepDb = opts.keepDb;
  state.loadAtStart = require('node:os').loadavg();
  const adminUrl = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

  // 1. build
  if (opts.build) {
    log('building the service (npx nest build) ...');
    const t = Date.now();
    const built = await runCommand('npx', ['nest', 'build'], { timeoutMs: 300_000 });
    if (built.code !== 0) {
      throw new HarnessError(
        `nest build failed (code ${built.code}):\n${(built.stdout + built.stderr).trim().slice(-4000)}`,
      );
    }
    log(`built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  for (const file of [SERVICE_MAIN, LICENSE_CLI]) {
    if (!fs.existsSync(file)) {
      throw new HarnessError(`${path.relative(ROOT, file)} is missing: build first (or drop --no-build)`);
    }
  }

  // 2. a fresh database
  state.admin = watched(new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 }));
  await withTimeout(state.admin.connect(), 10_000, 'connecting to the admin database');
  const dbName = `sms_bench_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${process.pid}`;
  const benchUrl = await createDatabase(adminUrl, dbName);

  // 3. the service
  const { service, servicePort, serviceSampler, license } = await startService(benchUrl, 'service', opts);
  const targets = [
    {
      name: 'service',
      port: servicePort,
      apiKey: license.apiKey,
      table: 'sms_callbacks',
      info: service,
      sampler: serviceSampler,
    },
  ];

  // 3a. the same service taking batches (POST .../callback/batch), and the multi-process service (WEB_CONCURRENCY)
  // with single callbacks and with batches: same database, taking turns with the others
  if (opts.batchSize > 0) {
    targets.push({ ...targets[0], name: 'batch', batch: opts.batchSize });
  }
  if (opts.webConcurrency > 0) {
    const multi = await startService(benchUrl, 'cluster', opts, { WEB_CONCURRENCY: String(opts.webConcurrency) });
    const clusterTarget = {
      name: 'cluster',
      port: multi.servicePort,
      apiKey: multi.license.apiKey,
      table: 'sms_callbacks',
      info: multi.service,
      sampler: multi.serviceSampler,
      tree: true,
    };
    targets.push(clusterTarget);
    if (opts.batchSize > 0) {
      targets.push({ ...clusterTarget, name: 'cluster-batch', batch: opts.batchSize });
    }
  }

  // 3b. the same service on an unpartitioned table: a second database, the table turned back into one heap with
  // the same columns and indexes (the unique index of the replay key keeps its send_time_at column)
  if (opts.unpartitioned) {
    const plainUrl = await createDatabase(adminUrl, `${dbName}_plain`);
    const plain = await startService(plainUrl, 'service-unpartitioned', opts);
    const db = watched(new Client({ connectionString: plainUrl, connectionTimeoutMillis: 5_000 }));
    state.clients.push(db);
    await db.connect();
    await db.query(`BEGIN;
      CREATE TABLE sms_callbacks_plain (LIKE sms_callbacks INCLUDING DEFAULTS INCLUDING INDEXES);
      DROP TABLE sms_callbacks;
      ALTER TABLE sms_callbacks_plain RENAME TO sms_callbacks;
      ALTER TABLE sms_callbacks ADD CONSTRAINT "FK_sms_callbacks_license_id" FOREIGN KEY (license_id) REFERENCES licenses (id);
      COMMIT`);
    log('service-unpartitioned: sms_callbacks is now a plain table');
    targets.push({
      name: 'service-unpartitioned',
      port: plain.servicePort,
      apiKey: plain.license.apiKey,
      table: 'sms_callbacks',
      db,
      info: plain.service,
      sampler: plain.serviceSampler,
    });
  }

  // 3c. the service with the stream on: its own process on the same database, publishing to the bench's
  // own exchange and durable queue
  if (opts.stream) {
    const brokerUrl = process.env.BENCH_BROKER_URL || 'amqp://guest:guest@127.0.0.1:5672';
    try {
      state.broker = await BenchBroker.open(brokerUrl, dbName);
    } catch (err) {
      throw new HarnessError(
        `RabbitMQ unreachable at ${brokerUrl.replace(/\/\/[^@/]*@/, '//')} (${err.message}): start it, or --no-stream`,
      );
    }
    const stream = await startService(benchUrl, 'stream', opts, {
      BROKER_URL: brokerUrl,
      BROKER_EXCHANGE: state.broker.exchange,
    });
    log(`  the service with the stream on, publishing to exchange ${state.broker.exchange}`);
    targets.push({
      name: 'stream',
      port: stream.servicePort,
      apiKey: stream.license.apiKey,
      table: 'sms_callbacks',
      info: stream.service,
      sampler: stream.serviceSampler,
      stream: true,
    });
  }

  // 4. the baseline
  if (opts.baseline) {
    const env = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: benchUrl,
      HOST: '127.0.0.1',
      DB_POOL_SIZE: String(opts.poolSize),
      BASELINE_API_KEYS: JSON.stringify({ [license.apiKey]: { licenseId: license.id, enterpriseId: ENTERPRISE } }),
    };
    const baseline = await startTarget('baseline', [BASELINE_MAIN], env, 30_000, opts);
    log(`  ${baseline.info.tail.find((l) => l.includes('listening')) ?? ''}`);
    targets.push({ ...baseline, apiKey: license.apiKey, table: 'baseline_sms_callbacks' });
  }

  state.db = watched(new Client({ connectionString: benchUrl, connectionTimeoutMillis: 5_000 }));
  await state.db.connect();

  const ensureAlive = () => {
    for (const t of targets) {
      if (t.info.exited) {
        throw new HarnessError(describeExit(t.info));
      }
    }
  };

  /** Load that is not counted; its rows are still checked against its 2xx answers. */
  const warmUp = async (target, connections, seconds, what) => {
    log(`${target.name} @ ${connections} connections: ${what} ${seconds} s`);
    const warm = await load(target, connections, seconds, 'warmup');
    warm.rows = await storedRows(target.db ?? state.db, target.table, warm);
    if (warm.rows !== warm.acked) {
      log(`  ${what}: rows ${warm.rows} vs acknowledged ${warm.acked}: ${rowCheck(warm)}`);
    }
  };

  // 5. the measurements: for each connection count, the service then the baseline; each server warmed up
  // first, so that the first measurement is not of its JIT compiling the hot path
  if (opts.firstWarmup > 0) {
    const connections = Math.max(...opts.connections);
    for (const target of targets) {
      ensureAlive();
      await warmUp(target, connections, opts.firstWarmup, 'first warm-up');
    }
  }
  const results = [];
  for (const connections of opts.connections) {
    for (let round = 1; round <= opts.rounds; round++) {
      for (const target of targets) {
        ensureAlive();
        if (opts.warmup > 0) {
          await warmUp(target, connections, opts.warmup, `round ${round} warm-up`);
        }
        ensureAlive();
        if (target.stream) {
          // What the warm-up published is not this run's.
          await outboxDrained(state.db);
          await state.broker.purge();
        }
        log(`${target.name} @ ${connections} connections: measuring ${opts.duration} s`);
        const cpuOf = () =>
          target.tree ? treeCpuOf(target.info.child.pid) : (cpuTimesOf(target.info.child.pid)?.own ?? NaN);
        const cpu0 = cpuOf();
        const pg0 = postgresCpuSnapshot(dbName);
        const rmq0 = brokerCpuSnapshot();
        const backlog = target.stream ? backlogSampler(state.db) : null;
        const run = await load(target, connections, opts.duration, 'run');
        if (target.stream) {
          // The relay's work counts until it has published the run's last callback.
          run.backlogPeak = await backlog.stop();
          run.catchUpMs = await outboxDrained(state.db);
        }
        run.cpuMs = cpuOf() - cpu0;
        run.pgCpuMs = cpuBetween(pg0, postgresCpuSnapshot(dbName));
        run.rmqCpuMs = cpuBetween(rmq0, brokerCpuSnapshot());
        run.cpuPerReq = run.cpuMs / run.completed;
        run.pgCpuPerReq = run.pgCpuMs / run.completed;
        run.rmqCpuPerReq = run.rmqCpuMs / run.completed;
        if (target.stream) {
          run.messages = await state.broker.messageCount();
          await state.broker.purge();
        }
        ensureAlive();
        run.rows = await storedRows(target.db ?? state.db, target.table, run);
        run.peakRss = target.sampler.peakSince(run.t0, run.tEnd);
        run.peakRssEach = target.sampler.peaksPerProcessSince(run.t0, run.tEnd);
        run.cpuPerCallback = run.cpuMs / run.acked;
        run.hwm = memoryOf(target.info.child.pid)?.hwm ?? null;
        run.target = target.name;
        run.connections = connections;
        run.round = round;
        results.push(run);
        log(
          `  ${fmt(run.rps)} req/s, ${fmt(run.callbacksPerSecond)} callbacks/s, p50 ${run.p50} ms, p99 ${run.p99} ms, 2xx ${run.counts.s2xx}, acked ${run.acked}, rows ${run.rows}, ` +
            `errors ${run.errors}, non-2xx ${run.non2xx}${run.drainedInTime ? '' : ' (drain timed out)'}`,
        );
      }
    }
  }
  const combined = [];
  for (const connections of opts.connections) {
    for (const target of targets) {
      combined.push(combine(results.filter((r) => r.target === target.name && r.connections === connections)));
    }
  }

  // 6. the soak
  let soak = null;
  if (opts.soak) {
    const target = targets[0];
    ensureAlive();
    await sleep(1_000);
    const start = memoryOf(target.info.child.pid);
    log(
      `soak: service @ ${opts.soakConnections} connections for ${opts.soakDuration} s (RSS at start ${mb(start?.rss)} MB)`,
    );
    const trace = [];
    const every = Math.max(1, Math.round(opts.soakDuration / 6)) * 1000;
    const tracer = setInterval(() => {
      const m = memoryOf(target.info.child.pid);
      if (m) {
        trace.push(m.rss);
      }
    }, every);
    // The RSS before the soak is that of a server idle for a while, which V8 has shrunk: growth is
    // measured from the RSS once the load is on (RAMP_S into the soak), not from there.
    const RAMP_S = Math.min(5, opts.soakDuration / 4);
    let loaded = null;
    const ramp = setTimeout(() => (loaded = memoryOf(target.info.child.pid)), RAMP_S * 1000);
    const run = await load(target, opts.soakConnections, opts.soakDuration, 'soak');
    clearTimeout(ramp);
    clearInterval(tracer);
    const end = memoryOf(target.info.child.pid);
    ensureAlive();
    run.rows = await storedRows(state.db, target.table, run);
    run.peakRss = target.sampler.peakSince(run.t0, run.tEnd);
    await sleep(5_000);
    const idle = memoryOf(target.info.child.pid);
    soak = { run, start, loaded: loaded ?? start, rampS: RAMP_S, end, idle, trace };
  }

  // 7. report (stdout)
  const out = [];
  out.push('');
  out.push(
    `SMS callback bench  ${new Date().toISOString()}  node ${process.version}, ${require('node:os').cpus().length} cpus, database ${dbName}`,
  );
  out.push(
    `POST ${CALLBACK_PATH}, every request a new row; ${opts.rounds} round(s) of ${opts.duration} s measured after ${opts.warmup} s warm-up ` +
      `per variant and connection count, service and baseline taking turns (and a first warm-up of ${opts.firstWarmup} s per server); ` +
      `DB pool ${opts.poolSize}; load generator in this process (shares the CPUs)`,
  );
  const columns = (r) => [
    r.target,
    r.connections,
    r.round ?? 'all',
    fmt(r.rps),
    fmt(r.callbacksPerSecond),
    fmt(r.p50),
    fmt(r.p99),
    fmt(r.max),
    r.errors + (r.timeouts ? ` (${r.timeouts} t/o)` : ''),
    r.non2xx + otherCodes(r),
    r.counts.s2xx + (r.counts.s200 && !r.batch ? ` (${r.counts.s200} replays)` : ''),
    r.acked,
    r.rows,
    rowCheck(r),
    mb(r.peakRss),
    rssEach(r.peakRssEach ?? []),
    fmt(r.cpuPerReq, 3),
    fmt(r.cpuPerCallback, 3),
    r.pgCpuPerReq > 0 ? fmt(r.pgCpuPerReq, 3) : '-',
    r.rmqCpuPerReq > 0 ? fmt(r.rmqCpuPerReq, 3) : '-',
    r.messages === undefined ? '-' : `${r.messages} (${r.messages === r.rows ? 'ok' : 'MISMATCH'})`,
  ];
  const header = [
    'variant',
    'conns',
    'round',
    'req/s',
    'callbacks/s',
    'p50 ms',
    'p99 ms',
    'max ms',
    'errors',
    'non-2xx',
    '2xx',
    'acked',
    'rows',
    'rows=acked',
    'peak RSS MB',
    'RSS each MB',
    'CPU ms/req',
    'CPU ms/cb',
    'PG CPU ms/req',
    'RMQ CPU ms/req',
    'messages',
  ];
  if (opts.rounds > 1) {
    out.push('');
    out.push('each round:');
    out.push(table(header, results.map(columns), 2));
    out.push('');
    out.push(
      'all rounds: req/s and CPU over all of them; p50/p99 the median of the rounds; max, peak RSS the highest; counts summed:',
    );
  }
  out.push('');
  out.push(table(header, combined.map(columns), 2));
  out.push('');
  out.push(
    'req/s = answered requests / (measured seconds + the drain of the requests in flight); p50/p99/max: 2xx answers only.',
  );
  out.push('peak RSS = the highest VmRSS sampled every 250 ms during the measured run.');
  out.push(
    'CPU ms/req = CPU time (user + system) the server used during the measured run / answered requests; PG CPU ms/req: the same',
  );
  out.push(
    "for this machine's PostgreSQL processes (when it runs here), RMQ CPU ms/req for RabbitMQ's. Steadier than req/s when the load",
  );
  out.push(
    'generator shares the CPUs. messages (the stream variant): messages in its queue after the run = rows; its CPU counts until the relay caught up.',
  );
  const svcHwm = memoryOf(service.child.pid)?.hwm;
  out.push(`service VmHWM (peak RSS since start): ${mb(svcHwm)} MB`);

  if (opts.baseline) {
    out.push('');
    out.push('service / baseline:');
    for (const connections of opts.connections) {
      const s = combined.find((r) => r.target === 'service' && r.connections === connections);
      const b = combined.find((r) => r.target === 'baseline' && r.connections === connections);
      const perRound = throughputPerRound(results, 'service', 'baseline', connections);
      out.push(
        `  ${String(connections).padStart(4)} connections: throughput ${fmt(s.rps / b.rps, 2)}x, p99 ${fmt(s.p99 / b.p99, 2)}x, ` +
          `p50 ${fmt(s.p50 / b.p50, 2)}x, peak RSS ${fmt(s.peakRss / b.peakRss, 2)}x, ` +
          `CPU/req ${fmt(s.cpuPerReq / b.cpuPerReq, 2)}x (with PostgreSQL's ${fmt((s.cpuPerReq + s.pgCpuPerReq) / (b.cpuPerReq + b.pgCpuPerReq), 2)}x)` +
          (perRound.length > 1 ? `; throughput per round ${perRound.join(', ')}` : ''),
      );
    }
  }

  if (opts.baseline && (opts.webConcurrency > 0 || opts.batchSize > 0)) {
    out.push('');
    out.push('the targets of issue 14 (callbacks/s against the baseline in the same run; load average below):');
    for (const connections of opts.connections) {
      const b = combined.find((r) => r.target === 'baseline' && r.connections === connections);
      for (const name of ['service', 'cluster', 'batch', 'cluster-batch']) {
        const r = combined.find((x) => x.target === name && x.connections === connections);
        if (!r) {
          continue;
        }
        const perRound = results
          .filter((x) => x.target === name && x.connections === connections)
          .map((x) => {
            const other = results.find(
              (y) => y.target === 'baseline' && y.connections === connections && y.round === x.round,
            );
            return other ? fmt(x.callbacksPerSecond / other.callbacksPerSecond, 2) : '-';
          });
        out.push(
          `  ${name.padEnd(13)} @ ${String(connections).padStart(3)}: ${fmt(r.callbacksPerSecond)} callbacks/s = ` +
            `${fmt(r.callbacksPerSecond / b.callbacksPerSecond, 2)}x the baseline's ${fmt(b.callbacksPerSecond)}; ` +
            `p99 per request ${fmt(r.p99)} ms (${fmt(r.p99 / b.p99, 2)}x); Node CPU ${fmt(r.cpuPerCallback, 3)} ms/callback ` +
            `(baseline ${fmt(b.cpuPerCallback, 3)}); peak RSS ${mb(r.peakRss)} MB${r.peakRssEach?.length > 1 ? ` (${rssEach(r.peakRssEach)})` : ''}; ` +
            `rows=acked ${rowCheck(r)}` +
            (perRound.length > 1 ? `; per round ${perRound.join(', ')}` : ''),
        );
      }
    }
  }
  out.push(`load average (1, 5, 15 min) at the start: ${state.loadAtStart.map((x) => x.toFixed(2)).join(', ')}`);
  out.push(
    `load average (1, 5, 15 min) at the end: ${require('node:os')
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')}`,
  );

  if (opts.unpartitioned) {
    out.push('');
    out.push('service (partitioned table) / service-unpartitioned (the same service on a plain table):');
    for (const connections of opts.connections) {
      const of = (name, round) =>
        results.filter(
          (r) => r.target === name && r.connections === connections && (round === undefined || r.round === round),
        );
      const [p] = combined.filter((r) => r.target === 'service' && r.connections === connections);
      const [u] = combined.filter((r) => r.target === 'service-unpartitioned' && r.connections === connections);
      const perRound = of('service').map((pr) => {
        const [ur] = of('service-unpartitioned', pr.round);
        return ur ? fmt(pr.rps / ur.rps, 2) : '-';
      });
      out.push(
        `  ${String(connections).padStart(4)} connections: throughput ${fmt(p.rps / u.rps, 2)}x (${fmt(p.rps)} / ${fmt(u.rps)} req/s), ` +
          `p99 ${fmt(p.p99 / u.p99, 2)}x, PostgreSQL CPU/req ${fmt(p.pgCpuPerReq / u.pgCpuPerReq, 2)}x; throughput per round ${perRound.join(', ')}`,
      );
    }
  }

  if (opts.stream) {
    out.push('');
    out.push('with the stream on / off (the cost of the outbox and the relay):');
    for (const connections of opts.connections) {
      const on = combined.find((r) => r.target === 'stream' && r.connections === connections);
      const off = combined.find((r) => r.target === 'service' && r.connections === connections);
      const total = (r) => r.cpuPerReq + r.pgCpuPerReq + r.rmqCpuPerReq;
      const perRound = throughputPerRound(results, 'stream', 'service', connections);
      out.push(
        `  ${String(connections).padStart(4)} connections: throughput ${fmt(on.rps / off.rps, 2)}x, p99 ${fmt(on.p99 / off.p99, 2)}x, ` +
          `CPU/req in Node ${fmt(on.cpuPerReq / off.cpuPerReq, 2)}x, with PostgreSQL's and RabbitMQ's ${fmt(total(on) / total(off), 2)}x ` +
          `(+${fmt(total(on) - total(off), 3)} ms per callback: Node +${fmt(on.cpuPerReq - off.cpuPerReq, 3)}, ` +
          `PostgreSQL +${fmt(on.pgCpuPerReq - off.pgCpuPerReq, 3)}, RabbitMQ +${fmt(on.rmqCpuPerReq - off.rmqCpuPerReq, 3)}); ` +
          `outbox at most ${on.backlogPeak} rows, caught up ${fmt(on.catchUpMs)} ms after the load; ` +
          `messages ${on.messages} = rows ${on.rows}: ${on.messages === on.rows ? 'ok' : 'MISMATCH'}` +
          (perRound.length > 1 ? `; throughput per round ${perRound.join(', ')}` : ''),
      );
    }
  }

  if (soak) {
    const { run, start, loaded, rampS, end, idle, trace } = soak;
    const growth = ((end.rss - loaded.rss) / loaded.rss) * 100;
    out.push('');
    out.push(`soak: service @ ${opts.soakConnections} connections, ${opts.soakDuration} s`);
    out.push(
      `  ${fmt(run.rps)} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, max ${run.max} ms, errors ${run.errors}, non-2xx ${run.non2xx}${otherCodes(run)}, ` +
        `2xx ${run.counts.s2xx}, rows ${run.rows} (${rowCheck(run)})`,
    );
    out.push(
      `  RSS ${fmt(rampS, 1)} s into the soak ${mb(loaded.rss)} MB -> at the end ${mb(end.rss)} MB: growth ${growth >= 0 ? '+' : ''}${fmt(growth, 1)} %  ` +
        `(before the soak, idle: ${mb(start.rss)} MB; peak ${mb(run.peakRss)} MB; 5 s after the soak ${mb(idle?.rss)} MB)`,
    );
    out.push(`  RSS every ${Math.max(1, Math.round(opts.soakDuration / 6))} s: ${trace.map(mb).join(', ')} MB`);
    const inSoak = serviceSampler.samples.filter((x) => x.t >= run.t0 && x.t <= run.tSend).map((x) => x.rss);
    const quarter = Math.floor(inSoak.length / 4);
    if (quarter > 0) {
      const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const first = mean(inSoak.slice(0, quarter));
      const last = mean(inSoak.slice(-quarter));
      const g = ((last - first) / first) * 100;
      out.push(
        `  mean RSS, first quarter ${mb(first)} MB -> last quarter ${mb(last)} MB: ${g >= 0 ? '+' : ''}${fmt(g, 1)} %  (${inSoak.length} samples; less noisy than two single readings)`,
      );
    }
  }

  const mismatches = [...results, ...(soak ? [soak.run] : [])].filter((r) => r.rows !== r.acked);
  if (mismatches.length) {
    out.push('');
    out.push(
      `WARNING: stored rows differ from the 2xx count in ${mismatches.length} run(s): ${mismatches.map((r) => r.tag).join(', ')}`,
    );
  }
  out.push('');
  process.stdout.write(out.join('\n'));
}

runBench({ name: 'bench', main, cleanup, usage: USAGE });
