import type { Socket } from 'node:net';

/** How long a connection answered before its body arrived keeps reading (and dropping) what the client sends. */
export const LINGER_MS = 3_000;

const LINGERING = Symbol('lingering');

/**
 * Makes the server close this connection gently once the answer is sent: it sends its FIN, then goes on
 * reading (and dropping) what the client is still sending, for at most {@link LINGER_MS}, before it
 * destroys the socket. Closing at once would make the kernel answer the client's next bytes with a reset,
 * which destroys the answer in the client's buffer before a client that writes its whole body first has
 * read it (what "lingering close" means in nginx and Apache). Node's HTTP server calls `destroySoon()` after
 * an answer with `Connection: close`; this replaces it for the one socket.
 */
export function lingerOnClose(socket: Socket | null | undefined, ms = LINGER_MS): void {
  const target: (Socket & { [LINGERING]?: true }) | null | undefined = socket;
  if (!target || target[LINGERING] || target.destroyed) {
    return;
  }
  target[LINGERING] = true;
  target.destroySoon = function lingeringDestroySoon(this: Socket) {
    if (this.writable) {
      this.end();
    }
    const timer = setTimeout(() => this.destroy(), ms);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    // Whatever still arrives is read and dropped, so that nothing unread turns the close into a reset.
    this.resume();
  };
}
