import { Inject, Injectable, LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

export const PINO_LOGGER = Symbol('PINO_LOGGER');

/**
 * Nest's logger (`app.useLogger(app.get(AppLogger))`): every `Logger` of the application writes through
 * pino, as one JSON object a line with its `context` and the `err` with its stack for errors. A message that
 * is an object is logged as fields (the exception filter adds the `reqId` of its request that way).
 */
@Injectable()
export class AppLogger implements LoggerService {
  constructor(@Inject(PINO_LOGGER) readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params, true);
  }

  private write(level: Level, message: unknown, params: unknown[], mayHaveStack = false): void {
    if (!this.pino.isLevelEnabled(level)) {
      return;
    }
    const fields: Record<string, unknown> = {};
    const [context, stack] = contextAndStack(params, mayHaveStack);
    if (context) {
      fields.context = context;
    }
    if (message instanceof Error) {
      this.pino[level]({ ...fields, err: message }, message.message);
      return;
    }
    if (stack) {
      fields.err = { stack };
    }
    if (typeof message === 'object' && message !== null) {
      const { msg, message: text, ...rest } = message as Record<string, unknown>;
      const line = msg ?? text;
      this.pino[level]({ ...fields, ...rest }, typeof line === 'string' ? line : '');
      return;
    }
    this.pino[level](fields, String(message));
  }
}

/**
 * Nest calls `log(message, context)` and `error(message, stack, context)`; a `Logger` with a context
 * always appends it, so the last string parameter is the context, and for errors the one before it the
 * stack.
 */
function contextAndStack(params: unknown[], mayHaveStack: boolean): [string | undefined, string | undefined] {
  if (params.length === 0) {
    return [undefined, undefined];
  }
  const last = params[params.length - 1];
  if (!mayHaveStack) {
    return [typeof last === 'string' ? last : undefined, undefined];
  }
  if (params.length === 1) {
    return typeof last === 'string' && /\n\s+at /.test(last) ? [undefined, last] : [asString(last), undefined];
  }
  return [asString(last), asString(params[params.length - 2])];
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
