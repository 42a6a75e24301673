import { Logger } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorEnvelope, statusText } from '../common/envelope';
import { markContinuePending } from '../common/http/expect-continue';

const logger = new Logger('HttpServer');

export interface HttpServerLimits {
  /** HEADERS_TIMEOUT_MS: the request line and headers must arrive within this. */
  headersTimeoutMs: number;
  /** BODY_TIMEOUT_MS: Node's own bound on a whole request is set past it, as a backstop. */
  bodyTimeoutMs: number;
  /** MAX_CONNECTIONS (lowered to what the open-file limit allows). */
  maxConnections: number;
  /** MAX_CONNECTIONS_PER_CLIENT; 0: no bound per address. */
  maxConnectionsPerClient: number;
  /** Peers that are trusted proxies (TRUST_PROXY): they carry many clients, so no bound per address. */
  isTrustedProxy(address: string): boolean;
}

/** File descriptors kept for the database pool, Redis, the embedded database's files, logs. */
const RESERVED_FILE_DESCRIPTORS = 256;
/** How often Node checks the headers and request timeouts (its default, 30 s, would let slow headers last 40 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** How often refusals of connections are logged at most. */
const WARN_INTERVAL_MS = 10_000;

/**
 * The Node.js HTTP server's own settings and bounds:
 * - keep-alive longer than a load balancer's idle timeout (60 s is common), so that it never reuses a
 *   connection the server has just closed;
 * - the request line and headers within HEADERS_TIMEOUT_MS (checked every second, not Node's 30 s), the
 *   whole request within HEADERS_TIMEOUT_MS + BODY_TIMEOUT_MS (+ 5 s): 408 in the envelope, then closed;
 * - at most MAX_CONNECTIONS open connections (never more than the open-file limit allows: past it Node
 *   closes new ones at once, instead of the kernel resetting them when the process runs out of files), and
 *   at most MAX_CONNECTIONS_PER_CLIENT per client address (closed at once past it), trusted proxies aside;
 * - malformed HTTP (bad request line, oversized headers, slow headers) answered in the envelope instead of
 *   Node's bare status line, and so are a missing Host and an `Expect` other than `100-continue` (answered
 *   by {@link httpProtocolChecks}, so that they are logged and counted like any answer);
 * - `Expect: 100-continue` left to the body reader, which sends `100 Continue` only once the API key and
 *   the declared length have passed.
 * Nothing a client sends can stop the process.
 */
export function hardenHttpServer(server: Server, limits: HttpServerLimits): void {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.headersTimeoutMs + limits.bodyTimeoutMs + 5_000;
  // Read when the server starts listening (configureApp runs before listen).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = TIMEOUT_CHECK_INTERVAL_MS;
  // A request without Host reaches the application, which answers it in the envelope.
  (server as Server & { requireHostHeader: boolean }).requireHostHeader = false;
  server.maxConnections = withinFileLimit(limits.maxConnections);
  if (limits.maxConnectionsPerClient > 0) {
    boundConnectionsPerClient(server, limits);
  }
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    markContinuePending(req as Request);
    server.emit('request', req, res);
  });
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
  server.on('clientError', answerMalformedRequest);
  // Node would close a CONNECT without a word: this is no proxy.
  server.on('connect', (req: IncomingMessage, socket: Duplex) =>
    writeRawAnswer(socket, 405, `${req.method} is not allowed: this service is not a proxy.`, {
      method: { isAllowed: 'CONNECT is not supported' },
    }),
  );
}

/**
 * Express middleware: a HTTP/1.1 request without `Host` is a 400, an `Expect` other than `100-continue` a
 * 417, in the envelope (Node would answer both with a bare status line).
 */
export function httpProtocolChecks(req: Request, res: Response, next: (err?: unknown) => void): void {
  if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
    refuse(res, 400, 'A HTTP/1.1 request must carry a Host header.', { Host: { isNotEmpty: 'Host is required.' } });
    return;
  }
  const expect = req.headers.expect;
  if (expect !== undefined && expect.trim().toLowerCase() !== '100-continue') {
    refuse(res, 417, `Expect: ${expect} cannot be met: only Expect: 100-continue is supported.`, {
      Expect: { isSupported: 'Only 100-continue is supported.' },
    });
    return;
  }
  next();
}

function refuse(res: Response, status: number, message: string, errors: Record<string, Record<string, string>>): void {
  res
    .status(status)
    .set('Connection', 'close')
    .json(errorEnvelope(status, message, errors));
}

function answerMalformedRequest(err: NodeJS.ErrnoException, socket: Duplex): void {
  const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  const status = statusOf(err.code);
  logger.debug(`Malformed HTTP request answered ${status}: ${err.code ?? err.message}`);
  const message =
    status === 400
      ? 'The request is not valid HTTP.'
      : status === 408
        ? 'The request did not arrive in time; nothing was stored. Send it again.'
        : statusText(status);
  writeRawAnswer(socket, status, message, { request: { isValidHttp: err.code ?? 'invalid' } });
}

/** An answer in the envelope written on the socket itself (no request object to answer through), then closed. */
function writeRawAnswer(
  socket: Duplex,
  status: number,
  message: string,
  errors: Record<string, Record<string, string>>,
): void {
  const body = JSON.stringify(errorEnvelope(status, message, errors));
  socket.end(
    `HTTP/1.1 ${status} ${statusText(status)}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function statusOf(code: string | undefined): number {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 431;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 413;
    default:
      return 400;
  }
}

/** Counts open connections by client address (IPv6: its /64) and closes at once those past the bound. */
function boundConnectionsPerClient(server: Server, limits: HttpServerLimits): void {
  const open = new Map<string, number>();
  let lastWarning = 0;
  // First in line: a refused connection never reaches the HTTP parser.
  server.prependListener('connection', (socket: Socket) => {
    const peer = socket.remoteAddress;
    if (peer === undefined || limits.isTrustedProxy(peer)) {
      return;
    }
    const client = normalizeIp(peer.replace(/^::ffff:(?=\d+\.)/i, ''));
    const count = (open.get(client) ?? 0) + 1;
    if (count > limits.maxConnectionsPerClient) {
      const now = Date.now();
      if (now - lastWarning >= WARN_INTERVAL_MS) {
        lastWarning = now;
        logger.warn(`${client} holds ${limits.maxConnectionsPerClient} connections: closing its new ones`);
      }
      socket.destroy();
      return;
    }
    open.set(client, count);
    socket.once('close', () => {
      const left = (open.get(client) ?? 1) - 1;
      if (left === 0) {
        open.delete(client);
      } else {
        open.set(client, left);
      }
    });
  });
}

/** The bound, lowered to the open-file limit less a reserve (Linux: /proc/self/limits), with a warning. */
function withinFileLimit(maxConnections: number): number {
  const fileLimit = openFileLimit();
  if (fileLimit === undefined || maxConnections <= fileLimit - RESERVED_FILE_DESCRIPTORS) {
    return maxConnections;
  }
  const lowered = Math.max(1, fileLimit - RESERVED_FILE_DESCRIPTORS);
  logger.warn(
    `MAX_CONNECTIONS=${maxConnections} is more than the open-file limit (${fileLimit}) allows: ` +
      `at most ${lowered} connections (raise ulimit -n to allow more)`,
  );
  return lowered;
}

function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return line === undefined || line === 'unlimited' ? undefined : Number(line);
  } catch {
    return undefined;
  }
}
