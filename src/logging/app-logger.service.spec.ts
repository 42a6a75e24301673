import { Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Writable } from 'node:stream';
import { AppLogger } from './app-logger.service';
import { createPinoLogger } from './pino-logger.factory';
import { requestIdOf } from '../common/http/request-id';
import { requestContext } from './request-context';

describe('AppLogger', () => {
  let lines: Array<Record<string, unknown>>;
  let appLogger: AppLogger;

  beforeEach(() => {
    lines = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(
          ...chunk
            .toString()
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>),
        );
        done();
      },
    });
    appLogger = new AppLogger(createPinoLogger({ level: 'verbose', format: 'json', destination }).logger);
    Logger.overrideLogger(appLogger);
  });
  afterEach(() => {
    Logger.overrideLogger(false);
  });

  it("should write a Nest Logger's message with its context and level", () => {
    new Logger('Bootstrap').log('Listening on http://127.0.0.1:3000');
    new Logger('Cache').verbose('miss');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', context: 'Bootstrap', msg: 'Listening on http://127.0.0.1:3000' }),
      expect.objectContaining({ level: 'trace', context: 'Cache', msg: 'miss' }),
    ]);
  });

  it('should write an error with its stack and context', () => {
    const error = new Error('boom');
    new Logger('ExceptionFilter').error('Unexpected error', error.stack);
    expect(lines[0]).toMatchObject({ level: 'error', context: 'ExceptionFilter', msg: 'Unexpected error' });
    expect((lines[0].err as { stack: string }).stack).toContain('boom');
  });

  it('should log an object message as fields', () => {
    new Logger('Health').warn({ msg: 'Not ready', errors: { database: { isUp: 'down' } } });
    expect(lines[0]).toMatchObject({
      level: 'warn',
      context: 'Health',
      msg: 'Not ready',
      errors: { database: { isUp: 'down' } },
    });
  });

  it('should give the request its id, from X-Request-Id when acceptable, and return it', () => {
    const req = { headers: { 'x-request-id': 'abc-123' } } as unknown as Request;
    const res = { setHeader: jest.fn() } as unknown as Response;
    const next = jest.fn();
    requestContext()(req, res, next);
    expect(requestIdOf(req)).toBe('abc-123');
    expect(res.setHeader).toHaveBeenCalledWith('X-Request-Id', 'abc-123');
    expect(next).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['an API key', 'smscb_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbC'],
    ['a configured secret', 'the-admin-key-0123456789abcdefghijklmn'],
    ['base64', 'c2VjcmV0L3ZhbHVl+w=='],
    ['text that could forge a log line', 'a b"c'],
    ['too long', 'x'.repeat(129)],
  ])('should not take an X-Request-Id that holds %s: it generates one', (_what, offered) => {
    const req = { headers: { 'x-request-id': offered } } as unknown as Request;
    const res = { setHeader: jest.fn() } as unknown as Response;
    requestContext({ secrets: ['the-admin-key-0123456789abcdefghijklmn', undefined] })(req, res, jest.fn());
    expect(requestIdOf(req)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should write the fields of an object message, such as the request id the exception filter adds', () => {
    new Logger('ExceptionFilter').error({ msg: 'Unexpected error', reqId: 'abc-123' }, new Error('boom').stack);
    expect(lines[0]).toMatchObject({ level: 'error', reqId: 'abc-123', msg: 'Unexpected error' });
  });
});
