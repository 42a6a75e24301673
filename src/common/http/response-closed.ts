import type { ServerResponse } from 'node:http';

const HOOKS = Symbol('responseClosedHooks');

type WithHooks = ServerResponse & { [HOOKS]?: Array<() => void> };

/**
 * Runs `hook` when the response closes (answered, or the client went away), in the order the hooks were
 * added. All the hooks of a response share one `close` listener: the per-request middlewares (metrics, the
 * request timeout, the shutdown gate) would otherwise each add and remove a listener on every request.
 */
export function onResponseClosed(res: ServerResponse, hook: () => void): void {
  const response = res as WithHooks;
  const hooks = response[HOOKS];
  if (hooks) {
    hooks.push(hook);
    return;
  }
  const first: Array<() => void> = [hook];
  response[HOOKS] = first;
  res.once('close', () => {
    for (const run of first) {
      run();
    }
  });
}
