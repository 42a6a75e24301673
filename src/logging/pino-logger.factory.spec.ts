import { Writable } from 'node:stream';
import { createPinoLogger } from './pino-logger.factory';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('createPinoLogger', () => {
  it('should write one JSON object a line with the level as text and an ISO time', () => {
    const out = capture();
    const { logger } = createPinoLogger({ level: 'log', format: 'json', destination: out.stream });
    logger.info({ context: 'Test' }, 'hello');
    const line = JSON.parse(out.text().trim());
    expect(line).toMatchObject({ level: 'info', context: 'Test', msg: 'hello' });
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  it.each([
    ['warn', ['warn', 'error'], ['info', 'debug']],
    ['log', ['info', 'warn'], ['debug', 'trace']],
    ['verbose', ['trace', 'debug', 'info'], []],
  ] as const)('should follow LOG_LEVEL=%s', (level, written, dropped) => {
    const out = capture();
    const { logger } = createPinoLogger({ level, format: 'json', destination: out.stream });
    for (const method of [...written, ...dropped]) {
      logger[method](`at ${method}`);
    }
    for (const method of written) {
      expect(out.text()).toContain(`at ${method}`);
    }
    for (const method of dropped) {
      expect(out.text()).not.toContain(`at ${method}`);
    }
  });

  it('should redact keys in fields and messages of every call', () => {
    const out = capture();
    const { logger } = createPinoLogger({ level: 'log', format: 'json', destination: out.stream });
    logger.info(
      { req: { headers: { 'api-key': 'smscb_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG' } }, body: { apiKey: 'x' } },
      'smscb_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG',
    );
    expect(out.text()).not.toContain('smscb_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG');
    expect(out.text()).toContain('[Redacted]');
  });

  it('should write human-readable lines with LOG_FORMAT=pretty', () => {
    const out = capture();
    const { logger, formatFallback } = createPinoLogger({ level: 'log', format: 'pretty', destination: out.stream });
    logger.info({ context: 'Test' }, 'hello there');
    expect(formatFallback).toBeUndefined();
    expect(out.text()).toMatch(/INFO.*hello there/);
    expect(() => JSON.parse(out.text())).toThrow();
  });

  it('should fall back to JSON, saying why, when pino-pretty is not installed', () => {
    const out = capture();
    const { logger, formatFallback } = createPinoLogger({
      level: 'log',
      format: 'pretty',
      destination: out.stream,
      loadPretty: () => {
        throw new Error("Cannot find module 'pino-pretty'");
      },
    });
    logger.info('still logged');
    expect(formatFallback).toMatch(/pino-pretty.*JSON/);
    expect(JSON.parse(out.text().trim())).toMatchObject({ msg: 'still logged' });
  });
});
