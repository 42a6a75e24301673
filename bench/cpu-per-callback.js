#!/usr/bin/env node
'use strict';
/**
 * Node CPU per callback of the service, one build against another (issue 14: <= 0.25 ms at 64 connections).
 *
 * Starts `node <dir>/src/main.js` of each build given (a `dist` directory; `--a` defaults to `dist/`) on one
 * database of its own (`wt_cpu_test_<time>_<pid>`, dropped at the end), issues one license, and then, for
 * `--rounds` rounds, drives both builds at once (or, with `--in-turn`, A B then B A ...: a drift of the
 * machine's speed hits both alike) with distinct callbacks at `--connections` for `--duration` s after `--warmup` s. A run's figure is the
 * service process's CPU (user + system from /proc/<pid>/stat) over the measured run and the drain of its answers,
 * divided by the callbacks answered 201 (with `--batch N`: the items answered 201 of batches of N). Prints each
 * run, each build's total, B / A of each round and of the totals, and the load average.
 *
 * A second build to compare: copy a dist where node finds this checkout's node_modules, e.g.
 * `npx nest build && cp -r dist .ab/base` (any directory under the checkout), then build the change.
 */
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Client } = require('pg');
const { issueLicense, load, serviceEnvFor } = require('./callback-load');
const { HarnessError, freePort, numberOption, runBench, sleep, table } = require('./harness');
const { ROOT, cpuTimesOf, startChild, stopAll, stopChild, waitUntilAnswering } = require('./processes');

const USAGE = `Usage: node bench/cpu-per-callback.js [options]

  --a <dir>               the first build's dist directory (default dist)
  --b <dir>               a second build's dist directory, measured in turns with the first (default: none)
  --rounds <n>            rounds (default 3)
  --duration <s>          measured seconds per build and round (default 10)
  --warmup <s>            warm-up before each measured run (default 3); the first one is --first-warmup (default 8)
  --first-warmup <s>
  --connections <n>       (default 64)
  --rate <n>              at most n requests/s over all connections (autocannon's overallRate; default 0: as fast as
                          answered). On a busy machine a fixed rate below what both builds reach gives them the same
                          arrivals: the CPU per callback of a closed loop grows as the throughput falls.
  --batch <n>             drive POST .../callback/batch with n callbacks per request (default 0: single callbacks)
  --pool-size <n>         DB_POOL_SIZE (default 10)
  --node-args=<a>         extra node options of the services, space-separated (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p")
  --in-turn               measure the builds one after the other in each round (A B, then B A, ...) instead of
                          side by side (both loaded at once, the default: what else the machine does then hits both
                          alike; the two compete with each other for the cores, evenly)
  --verbose               copy the services' output to stderr

DATABASE_URL is the admin connection (default postgresql://postgres@127.0.0.1:5432/postgres).`;

const log = (text) => process.stderr.write(`[cpu] ${text}\n`);

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      a: { type: 'string', default: 'dist' },
      b: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      'first-warmup': { type: 'string', default: '8' },
      connections: { type: 'string', default: '64' },
      batch: { type: 'string', default: '0' },
      rate: { type: 'string', default: '0' },
      'pool-size': { type: 'string', default: '10' },
      'node-args': { type: 'string', default: '' },
      verbose: { type: 'boolean', default: false },
      'in-turn': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  return {
    help: values.help,
    builds: [values.a, values.b].filter(Boolean).map((dir) => path.resolve(ROOT, dir)),
    rounds: numberOption(values, 'rounds', 1, 100),
    duration: numberOption(values, 'duration', 1, 3600),
    warmup: numberOption(values, 'warmup', 0, 600),
    firstWarmup: numberOption(values, 'first-warmup', 0, 600),
    connections: numberOption(values, 'connections', 1, 1024),
    batch: numberOption(values, 'batch', 0, 1000),
    rate: numberOption(values, 'rate', 0, 1_000_000),
    poolSize: numberOption(values, 'pool-size', 1, 200),
    nodeArgs: values['node-args'].split(/\s+/).filter(Boolean),
    verbose: values.verbose,
    sideBySide: !values['in-turn'],
  };
}

const state = { admin: null, dbName: null };

async function cleanup() {
  await stopAll();
  if (state.admin) {
    if (state.dbName) {
      await state.admin.query(`DROP DATABASE IF EXISTS "${state.dbName}" WITH (FORCE)`).catch(() => {});
      log(`dropped database ${state.dbName}`);
    }
    await state.admin.end().catch(() => {});
  }
}

/** Starts one build's service on the database; resolves to a target of `load()` without its key. */
async function startBuild(dir, name, url, opts) {
  const port = await freePort();
  const env = serviceEnvFor(url, port, opts.poolSize);
  const info = startChild(name, [...opts.nodeArgs, path.join(dir, 'src/main.js')], env, { verbose: opts.verbose });
  await waitUntilAnswering(info, port, 90_000);
  log(`${name} (${path.relative(ROOT, dir) || dir}) answering on port ${port} (pid ${info.child.pid})`);
  return { name, port, info, env, batch: opts.batch, rate: opts.rate, dir };
}

/** One measured run: the service's CPU (ms) and the callbacks it stored (201s, or items answered 201). */
async function measure(target, opts) {
  if (opts.warmup > 0) {
    await load(target, opts.connections, opts.warmup, 'warmup');
  }
  const pid = target.info.child.pid;
  const before = cpuTimesOf(pid);
  const run = await load(target, opts.connections, opts.duration, 'run');
  const after = cpuTimesOf(pid);
  if (!before || !after) {
    throw new HarnessError(`${target.name} exited during the run`);
  }
  const stored = opts.batch ? run.counts.items201 : run.counts.s201;
  const others = Object.entries(run.counts.other).map(([code, n]) => `${code}x${n}`);
  return { cpuMs: after.own - before.own, stored, seconds: run.elapsed, others: others.join(' ') || '-', p99: run.p99 };
}

/** `fn` of each item, one after the other (with a pause between), in order. */
async function inTurn(items, fn) {
  const results = [];
  for (const item of items) {
    results.push(await fn(item));
    await sleep(500);
  }
  return results;
}

const perCallback = (runs) =>
  runs.reduce((a, r) => a + r.cpuMs, 0) /
  Math.max(
    1,
    runs.reduce((a, r) => a + r.stored, 0),
  );
const fmt = (n, digits) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const loadAverage = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const loadAtStart = loadAverage();
  const adminUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  state.admin = new Client({ connectionString: adminUrl });
  await state.admin.connect();
  state.dbName = `wt_cpu_test_${Date.now().toString(36)}_${process.pid}`;
  await state.admin.query(`CREATE DATABASE "${state.dbName}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${state.dbName}`;
  log(`created database ${state.dbName}`);

  // A first start of the first build runs the migrations and is stopped: the measured processes then start alike.
  const migrator = await startBuild(opts.builds[0], 'migrations', url.toString(), { ...opts, nodeArgs: [] });
  const license = await issueLicense(
    path.join(opts.builds[0], 'src/cli/license/license.cli.js'),
    migrator.env,
    'bench',
  );
  await stopChild(migrator.info);
  const targets = [];
  for (const [i, dir] of opts.builds.entries()) {
    targets.push(await startBuild(dir, 'AB'[i], url.toString(), opts));
  }
  for (const t of targets) {
    t.apiKey = license.apiKey;
    if (opts.firstWarmup > 0) {
      await load(t, opts.connections, opts.firstWarmup, 'warmup');
    }
  }

  const runs = targets.map(() => []);
  const rows = [];
  for (let round = 0; round < opts.rounds; round++) {
    await sleep(500);
    // Side by side: both builds loaded at once, so that whatever else the machine does hits both alike.
    // Every other round the other way round (A B, B A ...): who goes first (in turn), or whose load starts first
    // (side by side: measured against itself, the first slot used 3-4 % more CPU per callback).
    const ran = round % 2 === 0 ? targets : [...targets].reverse();
    const measured = opts.sideBySide
      ? await Promise.all(ran.map((t) => measure(t, opts)))
      : await inTurn(ran, (t) => measure(t, opts));
    for (const [i, t] of ran.entries()) {
      const r = measured[i];
      runs[targets.indexOf(t)].push(r);
      rows.push([
        round + 1,
        t.name,
        r.stored,
        fmt(r.stored / r.seconds, 0),
        r.p99,
        r.cpuMs,
        fmt(r.cpuMs / r.stored, 4),
        r.others,
        loadAverage(),
      ]);
      log(`round ${round + 1} ${t.name}: ${fmt(r.cpuMs / r.stored, 4)} ms CPU per callback`);
    }
  }

  const out = [
    `Node CPU per callback, ${opts.batch ? `batches of ${opts.batch}` : 'single callbacks'}, ${opts.connections} connections, ` +
      `${opts.rounds} x ${opts.duration} s; node ${process.version}, ${os.cpus().length} cpus`,
    ...targets.map((t) => `  ${t.name} = ${path.relative(ROOT, t.dir) || t.dir}`),
    '',
    table(['round', 'build', 'stored', '/s', 'p99 ms', 'CPU ms', 'CPU ms/callback', 'non-2xx', 'load 1/5/15'], rows, 2),
    '',
    ...targets.map(
      (t, i) => `${t.name}: ${fmt(perCallback(runs[i]), 4)} ms CPU per callback over ${opts.rounds} rounds`,
    ),
  ];
  if (targets.length === 2) {
    const ratios = runs[1].map((r, i) => fmt(r.cpuMs / r.stored / (runs[0][i].cpuMs / runs[0][i].stored), 3));
    out.push(`B / A: ${fmt(perCallback(runs[1]) / perCallback(runs[0]), 3)} (rounds: ${ratios.join(', ')})`);
  }
  out.push(`load average (1 / 5 / 15 min): ${loadAtStart} at the start, ${loadAverage()} at the end`, '');
  process.stdout.write(out.join('\n'));
}

runBench({ name: 'cpu', main, cleanup, usage: USAGE });
