'use strict';
// Process control of the benches, in one place: the children they start (the service, the baseline, the
// CLIs, `nest build`), their output's tail, stopping them (SIGTERM, then SIGKILL), and waiting until a
// server answers. Every child is registered, so that a bench's cleanup stops whatever is still running.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { HarnessError, sleep } = require('./harness');

const ROOT = path.resolve(__dirname, '..');
const children = new Set();

/**
 * Starts `node <args>` and keeps the last lines of its output (copied to stderr with `verbose`); `ipc`
 * opens a channel for `child.send` / `'message'`. Resolves nothing: the returned info says when it exited.
 */
function startChild(name, args, env, { verbose = false, ipc = false, tailLines = 60 } = {}) {
  const stdio = ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio });
  const tail = [];
  const keep = (chunk, stream) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) {
        continue;
      }
      tail.push(line);
      if (tail.length > tailLines) {
        tail.shift();
      }
      if (verbose) {
        process.stderr.write(`[${name}${stream === 'err' ? '!' : ''}] ${line}\n`);
      }
    }
  };
  child.stdout.on('data', (c) => keep(c, 'out'));
  child.stderr.on('data', (c) => keep(c, 'err'));
  const info = { name, child, tail, exited: null };
  child.on('exit', (code, signal) => {
    info.exited = { code, signal };
    children.delete(info);
  });
  child.on('error', (err) => {
    info.exited = { code: null, signal: null, error: err };
    children.delete(info);
  });
  children.add(info);
  return info;
}

function signalChild(info, signal) {
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

/** SIGTERM, and SIGKILL if it is still there after `graceMs`. */
async function stopChild(info, graceMs = 10_000) {
  if (info.exited) {
    return;
  }
  const exited = new Promise((resolve) => info.child.once('exit', resolve));
  signalChild(info, 'SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done && !info.exited) {
    signalChild(info, 'SIGKILL');
    await Promise.race([exited, sleep(3_000)]);
  }
}

/** Stops every child still running (a bench's cleanup). */
function stopAll(graceMs) {
  return Promise.all([...children].map((info) => stopChild(info, graceMs)));
}

function describeExit(info) {
  const e = info.exited;
  const how = e?.error ? e.error.message : e?.signal ? `signal ${e.signal}` : `code ${e?.code}`;
  return `${info.name} exited (${how}). Last output:\n  ${info.tail.slice(-25).join('\n  ') || '(none)'}`;
}

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** CPU times of a process, in ms: its own (user + system) and that of its children it has reaped (null when it is gone). */
function cpuTimesOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      own: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
      reaped: (Number(fields[13]) + Number(fields[14])) * TICK_MS,
    };
  } catch {
    return null;
  }
}

/** Resolves once any HTTP answer comes from the port (or rejects when the child dies / time runs out). */
async function waitUntilAnswering(info, port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (info.exited) {
      throw new HarnessError(describeExit(info));
    }
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
  throw new HarnessError(
    `${info.name} did not answer on port ${port} within ${timeoutMs / 1000} s.\n  ${info.tail.slice(-25).join('\n  ')}`,
  );
}

/**
 * Runs a command to completion with a timeout, in its own process group (a kill reaches what it starts:
 * npx -> nest -> tsc); resolves to { code, signal, stdout, stderr, output } (output: both, interleaved).
 */
function runCommand(command, args, { env = process.env, timeoutMs, cwd = ROOT }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const info = { name: command, child, tail: [], exited: null, group: true };
    children.add(info);
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (c) => ((stdout += c), (output += c)));
    child.stderr.on('data', (c) => ((stderr += c), (output += c)));
    const timer = setTimeout(() => {
      signalChild(info, 'SIGKILL');
      reject(new HarnessError(`${command} ${args.join(' ')} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      children.delete(info);
      reject(new HarnessError(`${command}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      info.exited = { code, signal };
      children.delete(info);
      resolve({ code, signal, stdout, stderr, output });
    });
  });
}

module.exports = {
  ROOT,
  startChild,
  signalChild,
  stopChild,
  stopAll,
  describeExit,
  waitUntilAnswering,
  runCommand,
  cpuTimesOf,
};
