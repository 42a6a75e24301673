'use strict';
/**
 * What the bench scripts share: their two kinds of failure, option checks, a free port, a plain-text table, and the frame
 * that runs a bench, cleans up after it (also on Ctrl-C / SIGTERM) and picks the exit code:
 * 0 done, 1 harness failure, 2 bad option, 130 interrupted.
 */
const net = require('node:net');

/** A bad command-line option: exit code 2, with the usage. */
class UsageError extends Error {}
/** The harness could not do its job (a child died, a step timed out): exit code 1. */
class HarnessError extends Error {}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a HarnessError once `ms` have passed (`what` names the step). */
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new HarnessError(`${what} did not finish within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Option `name` of parseArgs' `values` as a number in [min, max], an integer unless `fraction`; a UsageError otherwise. */
function numberOption(values, name, min, max, { fraction = false } = {}) {
  const n = Number(values[name]);
  if (!(fraction ? Number.isFinite(n) : Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${fraction ? 'a number' : 'an integer'} in [${min}, ${max}]`);
  }
  return n;
}

/** Option `name` of parseArgs' `values` as a comma-separated list of integers in [min, max]. */
function integerListOption(values, name, min, max) {
  const list = values[name].split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < min || n > max)) {
    throw new UsageError(`--${name} must be a comma-separated list of integers in [${min}, ${max}]`);
  }
  return list;
}

/** Ports handed out already (a range is walked, not reused). */
const handedOut = new Set();

/**
 * A TCP port free on 127.0.0.1 right now: any, or one of BENCH_PORT_RANGE (`3140-3149`) when it is set (on a
 * machine whose users share out the ports).
 */
async function freePort() {
  const range = /^(\d+)-(\d+)$/.exec(process.env.BENCH_PORT_RANGE ?? '');
  if (!range) {
    return listenOn(0);
  }
  for (let port = Number(range[1]); port <= Number(range[2]); port++) {
    if (!handedOut.has(port)) {
      try {
        await listenOn(port);
        handedOut.add(port);
        return port;
      } catch {
        // taken: the next one
      }
    }
  }
  throw new HarnessError(`no free port left in BENCH_PORT_RANGE ${process.env.BENCH_PORT_RANGE}`);
}

function listenOn(wanted) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(wanted, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Columns padded to their widest cell: the first `leftColumns` left-aligned, the rest right-aligned. */
function table(headers, rows, leftColumns = 1) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i < leftColumns ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const USAGE_CODES = new Set(['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE']);

/**
 * Runs `main()`, then `cleanup()` whatever happens. A first SIGINT/SIGTERM cleans up and exits 130 (at most
 * 45 s later); a second one exits at once.
 */
function runBench({ name, main, cleanup = async () => {}, usage = '' }) {
  const log = (text) => process.stderr.write(`[${name}] ${text}\n`);
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interrupted) {
        process.exit(130);
      }
      interrupted = true;
      log(`${signal}: stopping the servers and dropping the database ...`);
      setTimeout(() => process.exit(130), 45_000).unref();
      cleanup().finally(() => process.exit(130));
    });
  }
  main()
    .then(async () => {
      await cleanup();
      process.exit(0);
    })
    .catch(async (err) => {
      if (interrupted) {
        // The clean-up under way (dropping the database) broke what was running: not a failure to report.
        await cleanup();
        process.exit(130);
      }
      if (err instanceof UsageError || USAGE_CODES.has(err?.code)) {
        process.stderr.write(`${err.message}\n${usage ? `\n${usage}\n` : ''}`);
        await cleanup();
        process.exit(2);
      }
      log(`FAILED: ${err instanceof HarnessError ? err.message : (err?.stack ?? err)}`);
      await cleanup();
      process.exit(1);
    });
}

module.exports = {
  UsageError,
  HarnessError,
  sleep,
  withTimeout,
  freePort,
  table,
  runBench,
  numberOption,
  integerListOption,
};
