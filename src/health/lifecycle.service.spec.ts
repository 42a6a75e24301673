import type { NextFunction, Request, Response } from 'express';
import { EventEmitter } from 'node:events';
import { Lifecycle } from './lifecycle.service';

/** A response that records what was sent and emits `close` when told to. */
function fakeResponse(): Response & { sent?: { status: number; body: unknown; headers: Record<string, string> } } {
  const res = new EventEmitter() as unknown as Response & {
    sent?: { status: number; body: unknown; headers: Record<string, string> };
  };
  let status = 200;
  const headers: Record<string, string> = {};
  Object.assign(res, {
    status: (code: number) => ((status = code), res),
    set: (values: Record<string, string>) => (Object.assign(headers, values), res),
    json: (body: unknown) => ((res.sent = { status, body, headers }), res),
  });
  return res;
}

const nextFunction = () => jest.fn() as jest.Mock & NextFunction;

describe('Lifecycle', () => {
  const request = (path = '/api/vendor/v1/sms/callback') => ({ path }) as Request;

  it('should be starting until the application has bootstrapped, then ready', () => {
    const lifecycle = new Lifecycle();
    expect(lifecycle.state).toBe('starting');
    lifecycle.onApplicationBootstrap();
    expect(lifecycle.state).toBe('ready');
    lifecycle.beginShutdown();
    lifecycle.onApplicationBootstrap();
    expect(lifecycle.state).toBe('shutting-down');
  });

  it('should count the requests it lets through until they close', () => {
    const lifecycle = new Lifecycle();
    const res = fakeResponse();
    const next = nextFunction();
    lifecycle.gate()(request(), res, next);
    expect(next).toHaveBeenCalled();
    expect(lifecycle.inFlight).toBe(1);
    res.emit('close');
    expect(lifecycle.inFlight).toBe(0);
  });

  it('should answer new requests 503 in the envelope once shutting down, but not probes and scrapes', () => {
    const lifecycle = new Lifecycle();
    lifecycle.beginShutdown();
    const res = fakeResponse();
    const next = nextFunction();
    lifecycle.gate()(request(), res, next);
    expect(next).not.toHaveBeenCalled();
    expect(res.sent).toMatchObject({
      status: 503,
      body: { code: 503, data: null, total_record: 0, current_page: 0 },
      headers: { 'Retry-After': '5', Connection: 'close' },
    });
    for (const path of ['/health/ready', '/health/live', '/metrics']) {
      const probe = nextFunction();
      lifecycle.gate()(request(path), fakeResponse(), probe);
      expect(probe).toHaveBeenCalled();
    }
  });

  it('should tell when the requests in flight have drained, or that the timeout passed first', async () => {
    const lifecycle = new Lifecycle();
    await expect(lifecycle.drained(10)).resolves.toBe(true);
    const res = fakeResponse();
    lifecycle.gate()(request(), res, jest.fn());
    await expect(lifecycle.drained(20)).resolves.toBe(false);
    const drained = lifecycle.drained(5_000);
    setTimeout(() => res.emit('close'), 10);
    await expect(drained).resolves.toBe(true);
  });
});
