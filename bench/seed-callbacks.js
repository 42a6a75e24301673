#!/usr/bin/env node
'use strict';
/**
 * Seeds `sms_callbacks` with N realistic delivery reports for one enterprise and license, set-based
 * (`INSERT ... SELECT ... FROM generate_series(...)`, one statement per chunk), then VACUUM (ANALYZE)s the table.
 *
 *   node bench/seed-callbacks.js --database-url postgresql://postgres@127.0.0.1:5432/<db> \
 *        --enterprise <id> --license-id <uuid> [--count 1000000] [--chunk 100000] [--jobs 2] \
 *        [--msisdns 200000] [--start 2025-05-01] [--days 30] [--timezone Asia/Ho_Chi_Minh] [--no-vacuum]
 *
 * The database must have the service's schema (run the service, or its migrations, on it first) and the license
 * must exist in `licenses` (foreign key). `DATABASE_URL` is used when `--database-url` is absent.
 * Also a module: `const { seedCallbacks } = require('./seed-callbacks')`.
 *
 * The shape of the data (see bench/README.md, "Query latency with 1,000,000 callbacks"):
 * - two callbacks per send request (`requestId` = a UUID), each with its own `referentId` (a UUID);
 * - `--msisdns` distinct recipients (default 200,000, so about 5 callbacks each), 84 + 9 digits, prefixes
 *   912/983/868/703/378; `msisdn` as sent is the national form `0912xxxxxx` (60 %), `84912xxxxxx` (30 %) or
 *   `+84 912 xxx xxx` (10 %), `msisdn_normalized` is always `84912xxxxxx`;
 * - `sendTime` over `--days` days from `--start` (local midnight of `--timezone`), in arrival order as a live table
 *   would be: the raw string `YYYY-MM-DD HH:mm:ss` in local time, `send_time_at` the same instant;
 * - `responseTimeTelco` 0.5-30 s later (skewed towards short latencies) for 92 % of the rows, else absent: the raw
 *   string `YYYY-MM-DD HH:mm:ss.SSS` in local time and `response_time_telco_at` the same instant;
 * - `status` 0 (70 %), 1 (10 %), 2-5 (15 %), NULL (5 %); `retryCount` 0 (85 %), 1, 2 or 3;
 * - `received_at` 0.05-2 s after the telco answer (or the send time);
 * - `replay_key` = sha256 of a per-run salt and the row number (unique; the service's key function is not needed);
 * - `raw_body` the JSON body the vendor would have sent (absent values left out).
 */
const { parseArgs } = require('node:util');
const { randomBytes } = require('node:crypto');
const { Client } = require('pg');

const DEFAULTS = {
  count: 1_000_000,
  chunk: 100_000,
  jobs: 2,
  msisdns: 200_000,
  start: '2025-05-01',
  days: 30,
  timezone: 'Asia/Ho_Chi_Minh',
  vacuum: true,
};

/**
 * One chunk: rows $first..$last (row numbers over the whole run). Request r = row / 2 (two callbacks per
 * request); recipient m = r * 48271 mod $msisdns (48271 is prime to 2^a 5^b, so every recipient gets its share);
 * the send time of request r is $start + r * ($span / $requests) seconds, whole seconds.
 *
 * Enterprise e = 1 + r mod (number of enterprises): both callbacks of a request are of one enterprise.
 *
 * $1 enterprises (text[]), $2 their license ids (uuid[]), $3 first row, $4 last row, $5 total rows, $6 distinct msisdns,
 * $7 start (local date), $8 days, $9 time zone, $10 salt.
 */
const INSERT_CHUNK = `
INSERT INTO sms_callbacks
  (enterprise_id, license_id, received_at, msisdn, msisdn_normalized, request_id, send_time, send_time_at,
   response_time_telco, response_time_telco_at, status, referent_id, retry_count, replay_key, raw_body)
SELECT enterprise_id, license_id, received_at, msisdn, msisdn_normalized, request_id, send_time, send_time_at,
       response_time_telco, response_time_telco_at, status, referent_id, retry_count, replay_key,
       jsonb_strip_nulls(jsonb_build_object(
         'msisdn', msisdn, 'requestId', request_id, 'sendTime', send_time,
         'responseTimeTelco', response_time_telco, 'status', status, 'referentId', referent_id,
         'retryCount', retry_count))
FROM (
  SELECT t.*,
         to_char(send_time_at AT TIME ZONE $9, 'YYYY-MM-DD HH24:MI:SS') AS send_time,
         to_char(response_time_telco_at AT TIME ZONE $9, 'YYYY-MM-DD HH24:MI:SS.MS') AS response_time_telco,
         coalesce(response_time_telco_at, send_time_at) + make_interval(secs => (50 + floor(u5 * 1950)) / 1000.0)
           AS received_at
  FROM (
    SELECT s.*,
           '84' || nsn AS msisdn_normalized,
           CASE WHEN i % 10 < 6 THEN '0' || nsn
                WHEN i % 10 < 9 THEN '84' || nsn
                ELSE '+84 ' || substr(nsn, 1, 3) || ' ' || substr(nsn, 4, 3) || ' ' || substr(nsn, 7, 3) END AS msisdn,
           CASE WHEN u1 < 0.08 THEN NULL
                ELSE send_time_at + make_interval(secs => (500 + floor(29500 * u2 * u2 * u2)) / 1000.0) END
             AS response_time_telco_at,
           CASE WHEN u3 < 0.05 THEN NULL WHEN u3 < 0.75 THEN 0 WHEN u3 < 0.85 THEN 1 WHEN u3 < 0.90 THEN 2
                WHEN u3 < 0.94 THEN 3 WHEN u3 < 0.97 THEN 4 ELSE 5 END AS status,
           CASE WHEN u4 < 0.85 THEN 0 WHEN u4 < 0.95 THEN 1 WHEN u4 < 0.99 THEN 2 ELSE 3 END AS retry_count,
           md5(enterprise_id || ':req:' || $10 || ':' || r)::uuid::text AS request_id,
           md5(enterprise_id || ':ref:' || $10 || ':' || i)::uuid::text AS referent_id,
           sha256(convert_to(enterprise_id || ':' || $10 || ':' || i, 'UTF8')) AS replay_key
    FROM (
      SELECT g.*,
             ($1::text[])[(1 + g.r % cardinality($1::text[]))::int] AS enterprise_id,
             ($2::uuid[])[(1 + g.r % cardinality($1::text[]))::int] AS license_id,
             (ARRAY['912', '983', '868', '703', '378'])[1 + m % 5] || lpad((m / 5)::text, 6, '0') AS nsn,
             (($7::date)::timestamp AT TIME ZONE $9)
               + make_interval(secs => floor(r::numeric * ($8::int * 86400) / ceil($5::numeric / 2))) AS send_time_at
      FROM (
        SELECT i, i / 2 AS r, ((i / 2) * 48271) % $6::bigint AS m,
               random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5
        FROM generate_series($3::bigint, $4::bigint) AS i
      ) g
    ) s
  ) t
) x`;

/**
 * Seeds `count` callbacks; resolves to { rows, seconds, rowsPerSecond }. `log` receives progress lines.
 */
async function seedCallbacks(options) {
  const o = { ...DEFAULTS, ...options };
  const log = o.log || (() => {});
  // One enterprise (`enterprise`, `licenseId`) or several (`enterprises`: [{ enterprise, licenseId }]).
  const enterprises = o.enterprises || [{ enterprise: o.enterprise, licenseId: o.licenseId }];
  if (!o.databaseUrl || enterprises.length === 0 || enterprises.some((e) => !e.enterprise || !e.licenseId)) {
    throw new Error('seedCallbacks needs databaseUrl and an enterprise and licenseId (or enterprises)');
  }
  const salt = o.salt || randomBytes(6).toString('hex');
  const chunks = [];
  for (let first = 0; first < o.count; first += o.chunk) {
    chunks.push([first, Math.min(first + o.chunk, o.count) - 1]);
  }
  const t0 = Date.now();
  let done = 0;
  let next = 0;
  const worker = async () => {
    // Each chunk commits synchronously on purpose: with synchronous_commit = off, rows whose commit record is
    // not yet flushed get no hint bits, and the VACUUM below leaves their pages out of the visibility map.
    while (next < chunks.length) {
      const [first, last] = chunks[next++];
      // One statement per chunk: a chunk that failed stored nothing, and is tried again (a server restarted
      // by someone else on a shared machine, say).
      await withRetries(o.databaseUrl, log, (client) =>
        client.query(INSERT_CHUNK, [
          enterprises.map((e) => e.enterprise),
          enterprises.map((e) => e.licenseId),
          first,
          last,
          o.count,
          o.msisdns,
          o.start,
          o.days,
          o.timezone,
          salt,
        ]),
      );
      done += last - first + 1;
      const s = (Date.now() - t0) / 1000;
      log(
        `seeded ${done.toLocaleString('en')} / ${o.count.toLocaleString('en')} rows (${Math.round(done / s)} rows/s)`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.jobs, chunks.length)) }, worker));
  const insertSeconds = (Date.now() - t0) / 1000;
  const { analyzeSeconds, allVisible } = o.skipAnalyze
    ? { analyzeSeconds: 0, allVisible: null }
    : await vacuumAnalyze(o.databaseUrl, o.vacuum, log);
  const result = {
    rows: o.count,
    insertSeconds,
    analyzeSeconds,
    rowsPerSecond: o.count / insertSeconds,
    /** Share of the table's pages marked all-visible after the VACUUM (null with --no-vacuum). */
    allVisible,
  };
  log(
    `seeded ${o.count.toLocaleString('en')} rows in ${insertSeconds.toFixed(1)} s (${Math.round(result.rowsPerSecond)} rows/s), ` +
      (o.skipAnalyze
        ? 'no ANALYZE yet'
        : `${o.vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE'} ${analyzeSeconds.toFixed(1)} s`) +
      (allVisible === null ? '' : `, ${(allVisible * 100).toFixed(1)} % of the pages all-visible`),
  );
  return result;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * VACUUM (ANALYZE) as autovacuum would do on a live table (visibility map, hint bits), so that it does not start
 * in the middle of a measurement, and ANALYZE so that the planner knows the new rows (only ANALYZE when `vacuum`
 * is false). Resolves to { analyzeSeconds, allVisible } (the share of all-visible pages; null without VACUUM).
 */
async function vacuumAnalyze(databaseUrl, vacuum, log) {
  const t1 = Date.now();
  const allVisible = await withRetries(databaseUrl, log, async (client) => {
    await client.query(vacuum ? 'VACUUM (ANALYZE) sms_callbacks' : 'ANALYZE sms_callbacks');
    if (!vacuum) {
      return null;
    }
    // A page left out of the visibility map (a transaction still open somewhere in the database) would
    // make index-only scans visit the heap: vacuum again, a few times at most.
    for (let i = 0; i < 3; i++) {
      const share = await allVisibleShare(client);
      if (share >= 0.99) {
        break;
      }
      log(`only ${(share * 100).toFixed(1)} % of the pages are all-visible: VACUUM again`);
      await sleep(1_000);
      await client.query('VACUUM sms_callbacks');
    }
    return allVisibleShare(client);
  });
  return { analyzeSeconds: (Date.now() - t1) / 1000, allVisible };
}

/** Runs `work` on a new connection; on a connection-level failure, waits and tries again (5 attempts). */
async function withRetries(databaseUrl, log, work) {
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: databaseUrl, statement_timeout: 0 });
    client.on('error', () => {});
    try {
      await client.connect();
      return await work(client);
    } catch (err) {
      const retriable = /terminat|ECONNREFUSED|ECONNRESET|starting up|shutting down|Connection terminated/i.test(
        `${err.code} ${err.message}`,
      );
      if (!retriable || attempt >= 5) {
        throw err;
      }
      log(`${err.message}: trying again in 5 s (attempt ${attempt + 1} of 5)`);
      await sleep(5_000);
    } finally {
      await client.end().catch(() => {});
    }
  }
}

async function allVisibleShare(client) {
  const { rows } = await client.query(
    // The table, or the sum of its partitions when it is partitioned.
    `SELECT sum(relpages)::float8 AS relpages, sum(relallvisible)::float8 AS relallvisible FROM pg_class
      WHERE oid = 'sms_callbacks'::regclass
         OR oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'sms_callbacks'::regclass)`,
  );
  return rows[0].relpages > 0 ? rows[0].relallvisible / rows[0].relpages : 1;
}

function cli() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      'database-url': { type: 'string' },
      enterprise: { type: 'string' },
      'license-id': { type: 'string' },
      count: { type: 'string', default: String(DEFAULTS.count) },
      chunk: { type: 'string', default: String(DEFAULTS.chunk) },
      jobs: { type: 'string', default: String(DEFAULTS.jobs) },
      msisdns: { type: 'string', default: String(DEFAULTS.msisdns) },
      start: { type: 'string', default: DEFAULTS.start },
      days: { type: 'string', default: String(DEFAULTS.days) },
      timezone: { type: 'string', default: DEFAULTS.timezone },
      'no-vacuum': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${require('node:fs').readFileSync(__filename, 'utf8').split('*/')[0]}*/\n`);
    return null;
  }
  const int = (name, min, max) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
    }
    return n;
  };
  const databaseUrl = values['database-url'] || process.env.DATABASE_URL;
  if (!databaseUrl || !values.enterprise || !values['license-id']) {
    throw new Error('--database-url (or DATABASE_URL), --enterprise and --license-id are required (see --help)');
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(values.start)) {
    throw new Error('--start must be a date YYYY-MM-DD');
  }
  return {
    databaseUrl,
    enterprise: values.enterprise,
    licenseId: values['license-id'],
    count: int('count', 1, 100_000_000),
    chunk: int('chunk', 1, 10_000_000),
    jobs: int('jobs', 1, 16),
    msisdns: int('msisdns', 1, 5_000_000),
    start: values.start,
    days: int('days', 1, 3650),
    timezone: values.timezone,
    vacuum: !values['no-vacuum'],
    log: (line) => process.stderr.write(`[seed] ${line}\n`),
  };
}

if (require.main === module) {
  let options;
  try {
    options = cli();
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (options) {
    seedCallbacks(options).then(
      (result) => {
        process.stdout.write(
          `${result.rows} rows in ${result.insertSeconds.toFixed(1)} s: ${Math.round(result.rowsPerSecond)} rows/s\n`,
        );
      },
      (err) => {
        process.stderr.write(`[seed] FAILED: ${err.stack || err}\n`);
        process.exit(1);
      },
    );
  }
}

module.exports = { seedCallbacks, vacuumAnalyze, withRetries, DEFAULTS };
