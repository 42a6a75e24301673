'use strict';
// The load the benches put on the callback endpoints: distinct callback bodies (every request a new row, no
// replays) and an autocannon run that stops sending at the end and waits for the answers in flight.

const autocannon = require('autocannon');
const { HarnessError, sleep, withTimeout } = require('./harness');
const { callbackBody } = require('./callback-bodies');
const { runCommand } = require('./processes');

const CALLBACK_PATH = '/api/vendor/v1/sms/callback';

let runCounter = 0;

/** A batch of `size` distinct callbacks: the ids `<id>-0` .. `<id>-<size-1>`. */
function batchBody(id, n, size) {
  const items = [];
  for (let i = 0; i < size; i++) {
    items.push(callbackBody(`${id}-${i}`, n * size + i));
  }
  return `[${items.join(',')}]`;
}

/** Items of a batch answer with each code (the envelope's own `code` is not an item's). */
function itemCodes(body) {
  const text = String(body);
  const count = (code) => (text.match(new RegExp(`"code":${code},"data"`, 'g')) ?? []).length;
  return { created: count(201), replayed: Math.max(0, count(200) - 1), invalid: count(400) };
}

/**
 * Drives POST CALLBACK_PATH (or, for a target with `batch`, POST CALLBACK_PATH/batch with that many callbacks
 * per request) with distinct bodies for `seconds`, then stops sending and waits for the
 * requests in flight to be answered (so that every request sent has an answer: no request is cut off
 * at the end, and the rows in the table can be compared to the 2xx count exactly).
 */
async function load(target, connections, seconds, phase) {
  const tag = `${target.name}-c${connections}-${phase}-${Date.now().toString(36)}-${runCounter++}`;
  let seq = 0;
  let draining = false;
  let drainedResolve;
  const drained = new Promise((resolve) => (drainedResolve = resolve));
  const states = [];
  const counts = { s2xx: 0, s201: 0, s200: 0, other: {}, items201: 0, items200: 0, items400: 0 };
  const batch = target.batch ?? 0;
  const path = batch ? `${CALLBACK_PATH}/batch` : CALLBACK_PATH;
  const checkDrained = () => {
    if (draining && states.every((s) => !s.busy)) {
      drainedResolve();
    }
  };

  const instance = autocannon({
    url: `http://127.0.0.1:${target.port}${path}`,
    connections,
    pipelining: 1,
    // A fixed rate (requests/s over all connections) when the target has one: the same arrivals for two builds.
    ...(target.rate ? { overallRate: target.rate } : {}),
    duration: seconds + 30, // a safety net: the run is stopped below, after `seconds` and the drain
    timeout: 10,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: '*/*', 'API-KEY': target.apiKey },
    setupClient(client) {
      const state = { id: null, busy: false };
      states.push(state);
      client.benchState = state;
      client.setRequests([
        {
          method: 'POST',
          path,
          setupRequest(req) {
            const n = seq++;
            state.id = `${tag}-${n}`;
            req.body = batch ? batchBody(state.id, n, batch) : callbackBody(state.id, n);
            return req;
          },
          onResponse(status, body) {
            if (batch && status === 200) {
              const items = itemCodes(body);
              counts.items201 += items.created;
              counts.items200 += items.replayed;
              counts.items400 += items.invalid;
            }
          },
        },
      ]);
      // Stop sending at the end of the run but let the request in flight finish (autocannon 9 would
      // destroy the connection with it). With pipelining 1, _doRequest sends the next request.
      const doRequest = client._doRequest;
      client._doRequest = function (...args) {
        if (draining) {
          state.busy = false;
          checkDrained();
          return undefined;
        }
        const result = doRequest.apply(this, args);
        state.busy = !this.destroyed;
        return result;
      };
    },
  });
  instance.on('response', (client, statusCode) => {
    if (statusCode >= 200 && statusCode < 300) {
      counts.s2xx++;
      if (statusCode === 201) {
        counts.s201++;
      } else if (statusCode === 200) {
        counts.s200++;
      }
    } else {
      counts.other[statusCode] = (counts.other[statusCode] ?? 0) + 1;
    }
  });
  const finished = new Promise((resolve, reject) => {
    instance.on('done', resolve);
    instance.on('error', reject);
  });

  const t0 = Date.now();
  await sleep(seconds * 1000);
  const tSend = Date.now();
  draining = true;
  checkDrained();
  const drainedInTime = await Promise.race([drained.then(() => true), sleep(15_000).then(() => false)]);
  const tEnd = Date.now();
  instance.stop();
  const result = await withTimeout(finished, 10_000, 'autocannon stop');
  const elapsed = (tEnd - t0) / 1000;
  const completed = counts.s2xx + Object.values(counts.other).reduce((a, b) => a + b, 0);
  return {
    tag,
    t0,
    tSend,
    tEnd,
    elapsed,
    drainedInTime,
    sent: seq,
    completed,
    rps: completed / elapsed,
    rps2xx: counts.s2xx / elapsed,
    batch,
    /** Callbacks acknowledged (committed): each 2xx of a single callback, each item answered 201/200 of a batch. */
    acked: batch ? counts.items201 + counts.items200 : counts.s2xx,
    callbacksPerSecond: (batch ? counts.items201 + counts.items200 : counts.s2xx) / elapsed,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    counts,
  };
}

/**
 * The environment of a service under the bench, on `url` and `port`: production mode, warnings only, one license
 * without a rate limit, no partition maintenance, the stream off; `env` on top.
 */
function serviceEnvFor(url, port, poolSize, env = {}) {
  return {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: url,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DB_POOL_SIZE: String(poolSize),
    // One license sends the whole load: its production rate limit would measure the limiter, not the path.
    LICENSE_RATE_LIMIT_PER_SECOND: '0',
    // Partition maintenance is not on the write path (the migration made today's partition); off, so that it
    // never runs into the unpartitioned variant's table swap.
    CALLBACK_MAINTENANCE_INTERVAL_MINUTES: '0',
    BROKER_URL: '',
    ...env,
  };
}

/** Issues a license for `enterprise` with the service's CLI (`licenseCli`, run with `env`): its JSON (`apiKey`, `id`, ...). */
async function issueLicense(licenseCli, env, enterprise) {
  const issued = await runCommand(
    process.execPath,
    [licenseCli, 'issue', '--enterprise', enterprise, '--label', 'bench', '--json'],
    { env, timeoutMs: 90_000 },
  );
  if (issued.code !== 0) {
    throw new HarnessError(`license CLI failed (code ${issued.code}):\n${issued.stdout}${issued.stderr}`);
  }
  let license;
  try {
    license = JSON.parse(issued.stdout.trim().split('\n').filter(Boolean).pop());
  } catch {
    throw new HarnessError(`license CLI printed no JSON:\n${issued.stdout}${issued.stderr}`);
  }
  if (!license.apiKey || !license.id) {
    throw new HarnessError(`license CLI output lacks apiKey or id: ${issued.stdout}`);
  }
  return license;
}

module.exports = { CALLBACK_PATH, callbackBody, batchBody, itemCodes, load, serviceEnvFor, issueLicense };
