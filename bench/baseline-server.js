'use strict';
/**
 * The baseline for `npm run bench`: the least a server can do and still honour the callback contract.
 * Express 5 + `pg`, no framework, no ORM, no class-validator: an in-memory API-KEY map, a hand-written
 * type check of the seven fields, the service's replay key, and one
 * `INSERT ... ON CONFLICT DO NOTHING RETURNING` per request (autocommit: the 201 goes out after the commit).
 *
 * It writes to its own table `baseline_sms_callbacks`, made `LIKE sms_callbacks INCLUDING ALL` (a plain table, not
 * partitioned, with the service's
 * columns, constraints and every index), so the service must have started on the database first; it fills the
 * same columns, the normalised number and the parsed times with hand-written code for the forms the bench
 * sends (`84...`/`0...` numbers, `YYYY-MM-DD HH:mm:ss` local to UTC+7). When the service's `licenses`
 * table exists in the same database, the table also gets the same foreign key on license_id (so both pay
 * the same per-insert key check); BASELINE_FK=0 leaves it out.
 *
 * Environment:
 *   PORT               port to listen on (default 3100), bound to HOST (default 127.0.0.1)
 *   DATABASE_URL       postgres:// URL (required)
 *   BASELINE_API_KEYS  JSON map: {"<api key>": {"licenseId": "<uuid>", "enterpriseId": "<id>"}, ...}
 *   DB_POOL_SIZE       pool size (default 10, like the service)
 *   BASELINE_FK        1 (default): add the FK to licenses(id) when that table exists; 0: never
 *
 * Prints `baseline listening on http://HOST:PORT` on stdout once it accepts requests.
 */
const { createHash } = require('node:crypto');
const { STATUS_CODES } = require('node:http');
const express = require('express');
const { Pool } = require('pg');

const PORT = Number(process.env.PORT ?? 3100);
const HOST = process.env.HOST ?? '127.0.0.1';
const DATABASE_URL = process.env.DATABASE_URL;
const POOL_SIZE = Number(process.env.DB_POOL_SIZE ?? 10);
const WANT_FK = process.env.BASELINE_FK !== '0';

if (!DATABASE_URL) {
  console.error('baseline: DATABASE_URL is required');
  process.exit(2);
}
let apiKeys;
try {
  apiKeys = new Map(Object.entries(JSON.parse(process.env.BASELINE_API_KEYS ?? '{}')));
} catch (err) {
  console.error(`baseline: BASELINE_API_KEYS is not JSON: ${err.message}`);
  process.exit(2);
}

const TABLE = 'baseline_sms_callbacks';
const RETURNED =
  'id, received_at, msisdn, msisdn_normalized, request_id, send_time, send_time_at, response_time_telco, ' +
  'response_time_telco_at, status, referent_id, retry_count';

async function ensureSchema(pool) {
  const client = await pool.connect();
  try {
    const { rows } = await client.query(`SELECT to_regclass('public.licenses') IS NOT NULL AS has_licenses`);
    const fk = WANT_FK && rows[0].has_licenses;
    const { rows: service } = await client.query(`SELECT to_regclass('public.sms_callbacks') IS NOT NULL AS ok`);
    if (!service[0].ok) {
      throw new Error('the service has not created sms_callbacks in this database yet: start it first');
    }
    // The columns, defaults, constraints and every index (the unique replay key too) of the service's
    // table, whatever its migrations made of it.
    await client.query(`CREATE TABLE IF NOT EXISTS "${TABLE}" (LIKE sms_callbacks INCLUDING ALL)`);
    if (fk) {
      await client.query(
        `ALTER TABLE "${TABLE}" ADD CONSTRAINT "FK_${TABLE}_license_id" FOREIGN KEY ("license_id")
           REFERENCES "licenses" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
      );
    }
    return { fk };
  } finally {
    client.release();
  }
}

function envelope(code, data, message = STATUS_CODES[code] ?? 'Error', errors = null) {
  const ok = errors === null && code < 400;
  return { code, data, message, errors, total_record: ok ? 1 : 0, current_page: ok ? 1 : 0 };
}

function fail(res, code, message, errors) {
  res.status(code).json(envelope(code, null, message, errors));
}

const isNonEmptyString = (v) => typeof v === 'string' && v.length > 0;
const isInt32 = (v) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;

/** The hand-written check: `{ field: { rule: message } }` for each bad field, or null. */
function check(body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { body: { isObject: 'The body must be a JSON object.' } };
  }
  const errors = {};
  const limits = { msisdn: 32, requestId: 255, sendTime: 64, referentId: 255 };
  for (const [field, max] of Object.entries(limits)) {
    const v = body[field];
    if (!isNonEmptyString(v)) {
      errors[field] = { isNotEmpty: `${field} must be a non-empty string` };
    } else if (v.length > max) {
      errors[field] = { maxLength: `${field} must be at most ${max} characters` };
    }
  }
  const rt = body.responseTimeTelco;
  if (rt !== undefined && rt !== null && (typeof rt !== 'string' || rt.length > 64)) {
    errors.responseTimeTelco = { isString: 'responseTimeTelco must be a string of at most 64 characters' };
  }
  const st = body.status;
  if (st !== undefined && st !== null && !isInt32(st)) {
    errors.status = { isInt: 'status must be an integer' };
  }
  const rc = body.retryCount;
  if (!isInt32(rc) || rc < 0) {
    errors.retryCount = { min: 'retryCount must be an integer >= 0' };
  }
  return Object.keys(errors).length > 0 ? errors : null;
}

/** Hand-written normalisation of the forms the bench sends: `0912...` and `84912...` become `84912...`. */
function normalizeMsisdn(raw) {
  const digits = raw.replace(/[^0-9]/g, '');
  return digits.startsWith('0') ? `84${digits.slice(1)}` : digits;
}

/** `YYYY-MM-DD HH:mm:ss`, local to Asia/Ho_Chi_Minh (UTC+7, no DST); anything else: null. */
function parseTime(raw) {
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(raw)) {
    return null;
  }
  const date = new Date(`${raw.replace(' ', 'T')}+07:00`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Same definition as replayKeyOf() in src/sms-callback/replay-key.ts, over the normalised values. */
function replayKeyOf(b, msisdn, sendTime, responseTime) {
  const values = [
    msisdn,
    b.requestId,
    sendTime.getTime(),
    responseTime ? responseTime.getTime() : null,
    b.status ?? null,
    b.referentId,
    b.retryCount,
  ];
  return createHash('sha256').update(JSON.stringify(values)).digest();
}

function toDto(row) {
  return {
    id: row.id,
    msisdn: row.msisdn,
    requestId: row.request_id,
    sendTime: row.send_time,
    responseTimeTelco: row.response_time_telco,
    msisdnNormalized: row.msisdn_normalized,
    sendTimeUtc: row.send_time_at.toISOString(),
    responseTimeTelcoUtc: row.response_time_telco_at ? row.response_time_telco_at.toISOString() : null,
    status: row.status,
    referentId: row.referent_id,
    retryCount: row.retry_count,
    receivedAt: row.received_at.toISOString(),
  };
}

async function main() {
  const pool = new Pool({
    connectionString: DATABASE_URL,
    max: POOL_SIZE,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 10_000,
    application_name: 'sms-callback-baseline',
  });
  pool.on('error', (err) => console.error(`baseline: idle client error: ${err.message}`));
  const { fk } = await ensureSchema(pool);

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(express.json({ limit: '64kb', type: ['application/json', 'application/*+json'] }));

  app.post('/api/vendor/v1/sms/callback', async (req, res) => {
    const license = apiKeys.get(req.get('API-KEY') ?? '');
    if (!license) {
      return fail(res, 401, 'The API-KEY is missing or matches no license.', {
        'API-KEY': { isValid: 'The API-KEY does not match any license.' },
      });
    }
    const b = req.body;
    const errors = check(b);
    if (errors) {
      return fail(res, 400, `Validation failed: ${Object.keys(errors).join(', ')}.`, errors);
    }
    const msisdn = normalizeMsisdn(b.msisdn);
    const sendTime = parseTime(b.sendTime);
    const responseTime = b.responseTimeTelco ? parseTime(b.responseTimeTelco) : null;
    if (!sendTime || (b.responseTimeTelco && !responseTime)) {
      return fail(res, 400, 'Validation failed: sendTime.', { sendTime: { isVendorTime: 'not a time' } });
    }
    const replayKey = replayKeyOf(b, msisdn, sendTime, responseTime);
    try {
      const { rows } = await pool.query(
        `INSERT INTO ${TABLE}
           (enterprise_id, license_id, msisdn, msisdn_normalized, request_id, send_time, send_time_at,
            response_time_telco, response_time_telco_at, status, referent_id, retry_count, replay_key, raw_body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (enterprise_id, replay_key, send_time_at) DO NOTHING
         RETURNING ${RETURNED}`,
        [
          license.enterpriseId,
          license.licenseId,
          b.msisdn,
          msisdn,
          b.requestId,
          b.sendTime,
          sendTime,
          b.responseTimeTelco ?? null,
          responseTime,
          b.status ?? null,
          b.referentId,
          b.retryCount,
          replayKey,
          JSON.stringify(b),
        ],
      );
      if (rows.length > 0) {
        return res.status(201).json(envelope(201, toDto(rows[0])));
      }
      const existing = await pool.query(
        `SELECT ${RETURNED} FROM ${TABLE} WHERE enterprise_id = $1 AND replay_key = $2`,
        [license.enterpriseId, replayKey],
      );
      if (existing.rows.length === 0) {
        return fail(res, 500, 'Internal Server Error');
      }
      res.setHeader('Idempotent-Replayed', 'true');
      return res.status(200).json(envelope(200, toDto(existing.rows[0])));
    } catch (err) {
      console.error(`baseline: insert failed: ${err.message}`);
      return fail(res, 503, 'The database is unavailable; send it again.');
    }
  });

  app.use((req, res) => fail(res, 404, `No route ${req.method} ${req.path}.`));
  // Express 5 error handler: body-parser errors (malformed JSON, too large) and anything unexpected.

  app.use((err, req, res, _next) => {
    const code = Number.isInteger(err.status) && err.status >= 400 && err.status < 500 ? err.status : 500;
    fail(
      res,
      code,
      code === 400 ? 'Malformed JSON.' : (STATUS_CODES[code] ?? 'Error'),
      code === 400 ? { body: { isJson: 'The body is not valid JSON.' } } : null,
    );
  });

  const server = app.listen(PORT, HOST, () => {
    console.log(`baseline listening on http://${HOST}:${server.address().port} (pool ${POOL_SIZE}, fk ${fk})`);
  });

  let closing = false;
  const shutdown = () => {
    if (closing) {
      return;
    }
    closing = true;
    server.close(() => pool.end().finally(() => process.exit(0)));
    server.closeIdleConnections?.();
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err) => {
  console.error(`baseline: ${err.stack ?? err.message}`);
  process.exit(1);
});
