import { connect, Socket } from 'node:net';
import { CallbackBody, CALLBACK_PATH } from './factories';

/**
 * A request that is in flight when SIGTERM arrives: its headers and half its body are sent before, the
 * rest after. Resolves with the status of its answer (undefined when the connection ended without one).
 */
export class SlowCallback {
  private readonly socket: Socket;
  private readonly payload: Buffer;
  readonly answered: Promise<number | undefined>;

  constructor(
    port: number,
    apiKey: string,
    readonly body: CallbackBody,
  ) {
    this.payload = Buffer.from(JSON.stringify(body));
    this.socket = connect(port, '127.0.0.1');
    this.answered = new Promise((resolve) => {
      let received = '';
      this.socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      this.socket.on('error', () => undefined);
      this.socket.on('close', () => {
        const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
        resolve(status ? Number(status) : undefined);
      });
    });
    this.socket.write(
      `POST ${CALLBACK_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAPI-KEY: ${apiKey}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${this.payload.length}\r\nConnection: close\r\n\r\n` +
        this.payload.subarray(0, 20).toString(),
    );
  }

  finish(): void {
    this.socket.write(this.payload.subarray(20));
  }
}
