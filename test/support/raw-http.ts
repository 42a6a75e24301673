import { connect, type Socket } from 'node:net';

/** One answer read off a raw socket. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  /** The envelope, parsed (undefined when the body is not JSON). */
  body: { code?: number; message?: string; errors?: Record<string, Record<string, string>> | null } | undefined;
  /** Interim `100 Continue` answers seen before it. */
  continues: number;
  /** Milliseconds from the connection to the end of the answer's headers. */
  atMs: number;
}

/**
 * A client on a raw TCP socket, for what HTTP clients cannot say: headers without a body, a body sent slowly,
 * no Host, a half-sent request line. Collects what the server sends and parses the answers.
 */
export class RawClient {
  private received = Buffer.alloc(0);
  private readonly startedAt = Date.now();
  closed = false;
  reset = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.reset = err.code === 'ECONNRESET' || err.code === 'EPIPE';
    });
    socket.on('close', () => (this.closed = true));
  }

  static open(port: number, localAddress = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  write(text: string | Buffer): void {
    if (!this.socket.destroyed) {
      this.socket.write(text);
    }
  }

  /** Writes `body` in `chunks` pieces spread over `overMs`. */
  async writeSlowly(body: Buffer, chunks: number, overMs: number): Promise<void> {
    const size = Math.ceil(body.length / chunks);
    for (let offset = 0; offset < body.length; offset += size) {
      this.write(body.subarray(offset, offset + size));
      await new Promise((resolve) => setTimeout(resolve, overMs / chunks));
    }
  }

  /** Waits for a final (non-1xx) answer, complete with its body; rejects after `timeoutMs`. */
  async answer(timeoutMs = 10_000): Promise<RawAnswer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parseAnswer(this.received, this.startedAt);
      if (parsed) {
        return parsed;
      }
      if (this.closed || Date.now() > deadline) {
        throw new Error(`No complete answer (closed: ${this.closed}): ${this.received.toString('latin1')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Resolves true when the server closed the connection within `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.closed;
  }

  get text(): string {
    return this.received.toString('latin1');
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function parseAnswer(bytes: Buffer, startedAt: number): RawAnswer | undefined {
  let text = bytes.toString('latin1');
  let continues = 0;
  while (/^HTTP\/1\.1 100 /.test(text) && text.includes('\r\n\r\n')) {
    continues++;
    text = text.slice(text.indexOf('\r\n\r\n') + 4);
  }
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) {
    return undefined;
  }
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const rest = Buffer.from(text.slice(end + 4), 'latin1');
  if (rest.length < length) {
    return undefined;
  }
  const bodyText = rest.subarray(0, length).toString('utf8');
  let body: RawAnswer['body'];
  try {
    body = JSON.parse(bodyText) as RawAnswer['body'];
  } catch {
    body = undefined;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body, continues, atMs: Date.now() - startedAt };
}

/** The request line and headers of a POST, ending with the blank line. */
export function postHead(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return [`POST ${path} HTTP/1.1`, 'Host: localhost', ...lines, '', ''].join('\r\n');
}
