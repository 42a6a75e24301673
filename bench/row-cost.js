#!/usr/bin/env node
'use strict';
/**
 * What one inserted callback costs PostgreSQL, index by index (issue 14): on a database of its own (the service's
 * migrations applied by the built service's code), the write path's statement, a multi-row
 * `INSERT ... ON CONFLICT (enterprise_id, replay_key, send_time_at) DO NOTHING` of the bench's bodies, is run in
 * turn on the schema as migrated and on variants of it: each index dropped, no conflict check, no index, the
 * partition named directly (no routing), raw_body as json / text, other statement shapes and index orders.
 *
 * Each variant starts from an empty table, is prefilled (not measured), then measured over `--rows` rows: the
 * backend's CPU (its /proc/<pid>/schedstat run time, ns), wall time per statement, and, from
 * `EXPLAIN (ANALYZE, BUFFERS, WAL, TIMING OFF)` of every statement (the statement itself, executed and committed),
 * PostgreSQL's planning and execution times and the WAL records / full-page images / bytes per row. A CHECKPOINT
 * before each measurement makes the full-page images comparable (each page touched is imaged once).
 * PostgreSQL must run on this machine (the backend's /proc entry). Run `nest build` first.
 *
 * The variants take turns `--repeat` times (a drift of the shared machine hits all alike); the table gives each one's
 * median (CPU and WAL: per row) and the range of its CPU per row.
 *
 *   node bench/row-cost.js [--rows 30000] [--prefill 60000] [--batch 500] [--repeat 3] [--only key,key] [--keep-db]
 *   DATABASE_URL = the admin connection (default postgresql://postgres@127.0.0.1:5432/postgres)
 */
const { hash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { Client } = require('pg');
const { VARIANTS, indexDefinitions } = require('./row-cost-variants');
const { RESPONSE_TIME, SEND_TIME, callbackFields } = require('./callback-bodies');

const ROOT = path.resolve(__dirname, '..');

const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '30000' },
    prefill: { type: 'string', default: '60000' },
    batch: { type: 'string', default: '500' },
    repeat: { type: 'string', default: '3' },
    only: { type: 'string', default: '' },
    'keep-db': { type: 'boolean', default: false },
  },
});

const toInstant = (local) => new Date(`${local.replace(' ', 'T')}+07:00`);

let serial = 0;
/** One callback as the service stores it, from the bench's body (the one bench/run.js sends). */
function row(licenseId) {
  const n = serial++;
  const id = `${process.pid}-${n}`;
  const body = callbackFields(id, n);
  const sendTimeAt = toInstant(SEND_TIME);
  const responseAt = toInstant(RESPONSE_TIME);
  const identity = [body.msisdn, body.requestId, +sendTimeAt, +responseAt, body.status, body.referentId, n % 3];
  return {
    enterprise_id: 'bench',
    license_id: licenseId,
    msisdn: body.msisdn,
    msisdn_normalized: body.msisdn,
    request_id: body.requestId,
    send_time: body.sendTime,
    send_time_at: sendTimeAt,
    response_time_telco: body.responseTimeTelco,
    response_time_telco_at: responseAt,
    status: body.status,
    referent_id: body.referentId,
    retry_count: body.retryCount,
    replay_key: hash('sha256', JSON.stringify(identity), 'buffer'),
    raw_body: JSON.stringify(body),
  };
}

/** The backend's CPU time so far, ns (schedstat's first field: time on a CPU). */
const backendCpuNs = (pid) => Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);

async function createDatabase(adminUrl) {
  const name = `row_cost_test_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  // The migrations as the service applies them (DatabaseModule: runMigrationsExclusively on its data source).
  const { DataSource } = require('typeorm');
  const { buildDataSourceOptions } = require(path.join(ROOT, 'dist/src/database/data-source.options'));
  const { runMigrationsExclusively } = require(path.join(ROOT, 'dist/src/database/migrate'));
  const dataSource = new DataSource(buildDataSourceOptions({ url: url.href, poolSize: 1 }));
  await dataSource.initialize();
  await runMigrationsExclusively(dataSource);
  await dataSource.destroy();
  return { name, url: url.href };
}

async function dropDatabase(adminUrl, name) {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}

/** Runs `rows` rows in statements of `batch`, each under EXPLAIN ANALYZE; sums what PostgreSQL reports. */
async function insertRows(client, ctx, variant, rows, measure) {
  const sum = { cpuNs: 0, rowCpuNs: [], wallMs: [], planMs: 0, execMs: 0, walRecords: 0, walFpi: 0, walBytes: 0 };
  const batch = variant.batch ?? ctx.batch;
  const cpuBefore = backendCpuNs(ctx.pid);
  for (let done = 0; done < rows; done += batch) {
    const count = Math.min(batch, rows - done);
    const statement = variant.statement(
      Array.from({ length: count }, () => variant.row?.(row(ctx.licenseId)) ?? row(ctx.licenseId)),
      ctx,
    );
    if (!measure) {
      await client.query(statement.text, statement.values);
      continue;
    }
    const started = process.hrtime.bigint();
    const cpuStarted = backendCpuNs(ctx.pid);
    const [
      {
        'QUERY PLAN': [plan],
      },
    ] = (
      await client.query(`EXPLAIN (ANALYZE, BUFFERS, WAL, TIMING OFF, FORMAT JSON) ${statement.text}`, statement.values)
    ).rows;
    sum.rowCpuNs.push((backendCpuNs(ctx.pid) - cpuStarted) / count);
    sum.wallMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    sum.planMs += plan['Planning Time'];
    sum.execMs += plan['Execution Time'];
    sum.walRecords += plan.Plan['WAL Records'];
    sum.walFpi += plan.Plan['WAL FPI'];
    sum.walBytes += plan.Plan['WAL Bytes'];
  }
  sum.cpuNs = backendCpuNs(ctx.pid) - cpuBefore;
  return sum;
}

async function measureVariant(client, ctx, variant) {
  await client.query('TRUNCATE sms_callbacks');
  for (const sql of variant.setup ?? []) {
    await client.query(sql);
  }
  try {
    await insertRows(client, ctx, variant, ctx.prefill, false);
    await client.query('CHECKPOINT');
    const load = os.loadavg()[0];
    const sum = await insertRows(client, ctx, variant, ctx.rows, true);
    return { variant, sum, load: load.toFixed(1) };
  } finally {
    await client.query('TRUNCATE sms_callbacks');
    for (const sql of variant.teardown ?? []) {
      await client.query(sql);
    }
  }
}

const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)];
const median = (values) => quantile(values, 0.5);

/**
 * One line per variant, the medians of its runs: CPU per row is a run's lower quartile over its statements (the
 * statements least slowed by the other processes of a shared machine), its least and mean beside it.
 */
function report(runs, ctx) {
  const us = (ns) => (ns / 1000).toFixed(1);
  const perRow = (run, field) => run.sum[field] / ctx.rows;
  const cpuOf = (variantRuns) => variantRuns.map((run) => quantile(run.sum.rowCpuNs, 0.25));
  const base = median(cpuOf(runs[0]));
  const header = [
    'variant',
    'CPU us/row',
    'runs',
    'vs first',
    'min',
    'mean',
    'plan us/row',
    'exec us/row',
    'stmt p50 ms',
  ];
  const lines = [[...header, 'WAL B/row', 'FPI/1k rows', 'load']];
  for (const variantRuns of runs) {
    const cpu = cpuOf(variantRuns);
    const mid = median(cpu);
    const at = (field, scale) => (median(variantRuns.map((run) => perRow(run, field))) * scale).toFixed(1);
    lines.push([
      variantRuns[0].variant.name,
      us(mid),
      cpu.map(us).join(' '),
      `${mid >= base ? '+' : ''}${us(mid - base)}`,
      us(median(variantRuns.map((run) => Math.min(...run.sum.rowCpuNs)))),
      us(median(variantRuns.map((run) => perRow(run, 'cpuNs')))),
      at('planMs', 1000),
      at('execMs', 1000),
      median(variantRuns.map((run) => median(run.sum.wallMs))).toFixed(1),
      at('walBytes', 1).replace(/\.\d$/, ''),
      at('walFpi', 1000),
      variantRuns.map((run) => run.load).join(' '),
    ]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((line) => String(line[i]).length)));
  for (const [i, line] of lines.entries()) {
    console.log(`| ${line.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`);
    if (i === 0) {
      console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
    }
  }
}

async function main() {
  const adminUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const db = await createDatabase(adminUrl);
  const client = new Client({ connectionString: db.url });
  try {
    await client.connect();
    const [{ pid }] = (await client.query('SELECT pg_backend_pid() AS pid')).rows;
    const [{ id: licenseId }] = (
      await client.query(
        `INSERT INTO licenses (enterprise_id, key_prefix, key_hash) VALUES ('bench', 'rowcost', repeat('0', 64)) RETURNING id`,
      )
    ).rows;
    const [{ partition }] = (
      await client.query(
        `SELECT c.relname AS partition FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'sms_callbacks'::regclass
            AND c.relname = 'sms_callbacks_p' || to_char($1::timestamptz AT TIME ZONE 'UTC', 'YYYYMMDD')`,
        [toInstant(SEND_TIME)],
      )
    ).rows;
    const ctx = {
      pid,
      licenseId,
      partition,
      indexes: await indexDefinitions(client),
      rows: Number(opts.rows),
      prefill: Number(opts.prefill),
      batch: Number(opts.batch),
    };
    const only = opts.only ? opts.only.split(',') : null;
    const variants = VARIANTS(ctx).filter((v) => !only || only.includes(v.key));
    console.log(
      `row-cost: ${ctx.rows} measured rows per variant after ${ctx.prefill} prefilled, ${ctx.batch} rows per ` +
        `statement unless named; database ${db.name}; ${os.cpus().length} CPUs; started at load ${os.loadavg()[0]}`,
    );
    const runs = variants.map(() => []);
    for (let round = 0; round < Number(opts.repeat); round++) {
      for (const [i, variant] of variants.entries()) {
        const run = await measureVariant(client, ctx, variant);
        runs[i].push(run);
        process.stderr.write(
          `  ${round + 1}. ${variant.name}: ${(run.sum.cpuNs / ctx.rows / 1000).toFixed(1)} us/row\n`,
        );
      }
    }
    report(runs, ctx);
  } finally {
    await client.end();
    if (opts['keep-db']) {
      console.log(`kept database ${db.name}`);
    } else {
      await dropDatabase(adminUrl, db.name);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
