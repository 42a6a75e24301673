'use strict';
/**
 * The statistics rollup in `npm run bench:queries`: the maintenance run that rolls the seeded window up (timed),
 * and the service's statistics (from the rollup) against the exact SQL over the callbacks, run directly with pg.
 */

const http = require('node:http');

/** Runs `npm run callbacks -- maintain --json` once; resolves to { report, ms }. */
async function rollUp({ runCommand, cli, env, HarnessError }) {
  const t0 = Date.now();
  const run = await runCommand(process.execPath, [cli, 'maintain', '--json'], { env, timeoutMs: 3_600_000 });
  if (run.code !== 0) {
    throw new HarnessError(`callbacks CLI failed (code ${run.code}):\n${run.output}`);
  }
  return { report: JSON.parse(run.output.trim().split('\n').filter(Boolean).pop()), ms: Date.now() - t0 };
}

function getStats(port, apiKey, urlPath) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const req = http.request(
      { host: '127.0.0.1', port, method: 'GET', path: urlPath, headers: { 'API-KEY': apiKey }, timeout: 60_000 },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, ms: Date.now() - t0, body: JSON.parse(Buffer.concat(chunks)) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const LAT = "date_part('epoch', response_time_telco_at - send_time_at) * 1000";

/** The exact figures, as the service's exact path computes them (no statement timeout). */
async function exactStats(db, enterprise, from, to) {
  const t0 = Date.now();
  await db.query('SET statement_timeout = 0');
  const where = 'enterprise_id = $1 AND send_time_at >= $2 AND send_time_at < $3';
  const [totals, byStatus] = await Promise.all([
    db.query(
      `SELECT count(*)::int AS total, count(DISTINCT request_id COLLATE "C")::int AS distinct, count(${LAT})::int AS n,
              min(${LAT}) AS min, percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY ${LAT}) AS p, max(${LAT}) AS max
         FROM sms_callbacks WHERE ${where}`,
      [enterprise, from, to],
    ),
    db.query(
      `SELECT status, count(*)::int AS count FROM sms_callbacks WHERE ${where} GROUP BY status ORDER BY status NULLS LAST`,
      [enterprise, from, to],
    ),
  ]);
  const t = totals.rows[0];
  const round = (v) => (v === null ? null : Math.round(Number(v)));
  return {
    ms: Date.now() - t0,
    total: t.total,
    distinctRequestIds: t.distinct,
    byStatus: byStatus.rows,
    latency: {
      count: t.n,
      minMs: round(t.min),
      medianMs: round(t.p?.[0] ?? null),
      p95Ms: round(t.p?.[1] ?? null),
      maxMs: round(t.max),
    },
  };
}

/** One line: the service's answer (rollup) against the exact SQL over [from, to). */
async function compareWithExact({ db, port, apiKey, enterprise, label, from, to, statsPath }) {
  const query = `sentFrom=${encodeURIComponent(from)}&sentTo=${encodeURIComponent(to)}`;
  const answer = await getStats(port, apiKey, `${statsPath}?${query}`);
  if (answer.status !== 200) {
    return `rollup vs exact SQL, ${label}: the service answered ${answer.status} (${answer.body?.message})`;
  }
  const rolled = answer.body.data;
  const exact = await exactStats(db, enterprise, from, to);
  const same = (a, b) =>
    JSON.stringify(a) === JSON.stringify(b) ? 'equal' : `DIFFERENT (${JSON.stringify(a)} vs ${JSON.stringify(b)})`;
  const off = (a, b) => (b ? `${a} vs ${b} (${(((a - b) / b) * 100).toFixed(2)} %)` : `${a} vs ${b}`);
  return (
    `rollup vs exact SQL, ${label} (approximate=${rolled.approximate}): total ${same(rolled.total, exact.total)} ` +
    `(${exact.total.toLocaleString('en')}), byStatus ${same(rolled.byStatus, exact.byStatus)}, latency count/min/max ` +
    `${same([rolled.telcoLatency.count, rolled.telcoLatency.minMs, rolled.telcoLatency.maxMs], [exact.latency.count, exact.latency.minMs, exact.latency.maxMs])}; ` +
    `median ${off(rolled.telcoLatency.medianMs, exact.latency.medianMs)} ms, p95 ${off(rolled.telcoLatency.p95Ms, exact.latency.p95Ms)} ms, ` +
    `distinctRequestIds ${off(rolled.distinctRequestIds, exact.distinctRequestIds)}; ` +
    `the service answered in ${answer.ms} ms, the exact SQL took ${exact.ms.toLocaleString('en')} ms`
  );
}

module.exports = { rollUp, compareWithExact };
