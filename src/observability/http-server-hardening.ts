import { Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorEnvelope, statusText } from '../common/envelope';

const logger = new Logger('HttpServer');

/**
 * The Node.js HTTP server's own settings: keep-alive longer than a load balancer's idle timeout (60 s is
 * common), so that it never reuses a connection the server has just closed; and malformed HTTP (bad
 * request line, oversized headers, a client too slow to send its headers) answered in the envelope
 * instead of Node's bare status line. Nothing a client sends can stop the process.
 */
export function hardenHttpServer(server: Server): void {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
      socket.destroy();
      return;
    }
    const status = statusOf(err.code);
    logger.debug(`Malformed HTTP request answered ${status}: ${err.code ?? err.message}`);
    const body = JSON.stringify(
      errorEnvelope(status, status === 400 ? 'The request is not valid HTTP.' : statusText(status), {
        request: { isValidHttp: err.code ?? 'invalid' },
      }),
    );
    socket.end(
      `HTTP/1.1 ${status} ${statusText(status)}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
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
