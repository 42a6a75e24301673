import pino, { DestinationStream, Level, Logger, LoggerOptions } from 'pino';
import { REDACTED, redact } from '../common/redact';

export type NestLogLevel = 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose';
export type LogFormat = 'json' | 'pretty';

/** LOG_LEVEL (Nest's names) to pino's. */
export const PINO_LEVELS: Record<NestLogLevel, Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

export interface PinoLoggerSettings {
  level: NestLogLevel;
  format: LogFormat;
  /** Where the lines go; standard output by default. */
  destination?: DestinationStream;
  /** Loads pino-pretty (a development dependency): injectable so that its absence can be tested. */
  loadPretty?: () => (options: Record<string, unknown>) => DestinationStream;
}

export interface CreatedPinoLogger {
  logger: Logger;
  /** Set when LOG_FORMAT=pretty could not be honoured, saying why (the logger then writes JSON). */
  formatFallback?: string;
}

/** Header paths that never reach a log line, whatever logs them (defence in depth: `redact` runs too). */
const REDACTED_PATHS = ['api-key', 'admin-api-key', 'authorization', 'cookie', 'x-api-key'].flatMap((header) => [
  `req.headers["${header}"]`,
  `headers["${header}"]`,
]);

/**
 * The root pino logger: JSON lines on standard output (or pino-pretty's coloured lines with
 * LOG_FORMAT=pretty, when it is installed), level names as text, ISO times, and every argument of every
 * log call passed through {@link redact} so that no API key, admin key or body secret is written.
 * Writes synchronously: nothing is lost when the process ends on a signal.
 */
export function createPinoLogger(settings: PinoLoggerSettings): CreatedPinoLogger {
  const options: LoggerOptions = {
    level: PINO_LEVELS[settings.level],
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => redact(arg)) as Parameters<typeof method>);
      },
    },
  };
  const destination = settings.destination ?? pino.destination({ dest: 1, sync: true });
  if (settings.format !== 'pretty') {
    return { logger: pino(options, destination) };
  }
  try {
    const pretty = (settings.loadPretty ?? loadPinoPretty)();
    const stream = pretty({
      colorize: settings.destination ? false : Boolean(process.stdout.isTTY),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      destination,
      sync: true,
    });
    return { logger: pino(options, stream) };
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    return {
      logger: pino(options, destination),
      formatFallback:
        'LOG_FORMAT=pretty needs the pino-pretty package (a development dependency), which could not be ' +
        `loaded (${reason}): writing JSON.`,
    };
  }
}

function loadPinoPretty(): (options: Record<string, unknown>) => DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
}
