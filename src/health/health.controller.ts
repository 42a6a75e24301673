import { Controller, Get, HttpStatus, Logger, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiError } from '../common/api-error';
import type { FieldErrors } from '../common/envelope';
import { RETRY_AFTER_SECONDS } from '../common/http/unavailable';
import { ApiCommonErrors, ApiEnvelopeError, ApiEnvelopeResponse } from '../common/swagger/envelope.schema';
import { SmsCallbackStreamStatus } from '../sms-callback-stream/sms-callback-stream.status';
import { HealthDto } from './health.dto';
import { Lifecycle } from './lifecycle.service';

/** How long the database has to answer `SELECT 1` for the service to be ready. */
export const READINESS_DATABASE_TIMEOUT_MS = 1_000;

const NOT_READY_MESSAGE: Record<string, string> = {
  starting: 'The service is starting.',
  'shutting-down': 'The service is shutting down.',
};

/**
 * Probes for orchestrators and load balancers, without API-KEY. Live: the process runs (restart it when
 * this fails). Ready: it can take traffic now (the database answers within 1 s, and it is neither
 * starting nor shutting down); send it none while this is 503. With the stream on, ready also reports the
 * broker, which it does not need: callbacks are stored while the broker is away, and published on its return.
 */
@ApiTags('Operations')
@ApiCommonErrors()
@SkipThrottle()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');
  private wasReady?: boolean;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly lifecycle: Lifecycle,
    @Optional() private readonly stream?: SmsCallbackStreamStatus,
  ) {}

  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Liveness: the process is up (no API-KEY)',
    description: 'Restart the process when this fails; it does not look at the database (see readiness).',
  })
  @ApiEnvelopeResponse(HealthDto, HttpStatus.OK)
  live(): Promise<HealthCheckResult> {
    return this.health.check([
      () =>
        this.indicators
          .check('process')
          .up({ uptimeSeconds: Math.round(process.uptime()), state: this.lifecycle.state }),
    ]);
  }

  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Readiness: the service can take requests now (no API-KEY)',
    description:
      `200 when the database answers within ${READINESS_DATABASE_TIMEOUT_MS} ms and the service is neither ` +
      'starting nor shutting down; 503 otherwise, with the failing indicators in `errors`. With the stream to ' +
      'the broker on (BROKER_URL), `broker` says whether the broker is reachable and how many callbacks wait in ' +
      'the outbox; an unreachable broker is listed under `error` but does not make the service unready.',
  })
  @ApiEnvelopeResponse(HealthDto, HttpStatus.OK)
  @ApiEnvelopeError(HttpStatus.SERVICE_UNAVAILABLE, {
    description: 'Not ready: the database does not answer in time, or the service is starting or shutting down.',
    message: 'Not ready: database.',
    errors: { database: { isUp: `timeout of ${READINESS_DATABASE_TIMEOUT_MS}ms exceeded` } },
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before asking again.',
        required: true,
        schema: { type: 'integer' },
      },
    },
  })
  async ready(): Promise<HealthCheckResult> {
    try {
      const result = await this.health.check([
        () => {
          const state = this.lifecycle.state;
          const indicator = this.indicators.check('lifecycle');
          return state === 'ready' ? indicator.up({ state }) : indicator.down({ state });
        },
        () => this.database.pingCheck('database').withTimeout(READINESS_DATABASE_TIMEOUT_MS),
      ]);
      this.noteReadiness(true);
      return this.withBroker(result);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) {
        throw err;
      }
      const errors = this.describeFailure(err.getResponse() as HealthCheckResult);
      this.noteReadiness(false, errors);
      throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, `Not ready: ${Object.keys(errors).join(', ')}.`, errors, {
        'Retry-After': String(RETRY_AFTER_SECONDS),
      });
    }
  }

  /** The broker's state as one more indicator, which readiness reports but does not need. */
  private withBroker(result: HealthCheckResult): HealthCheckResult {
    const stream = this.stream?.snapshot();
    if (!stream) {
      return result;
    }
    const { broker, exchange, backlog, oldestAgeSeconds } = stream;
    const up = broker.reachable === true;
    const indicator = {
      status: up ? ('up' as const) : ('down' as const),
      required: false,
      exchange,
      backlog,
      oldestAgeSeconds: Math.round(oldestAgeSeconds),
      ...(up
        ? {}
        : {
            message:
              broker.reachable === null
                ? 'Not connected to the broker yet; callbacks are stored and wait in the outbox.'
                : `The broker is unreachable (${broker.error}); callbacks are stored and wait in the outbox.`,
          }),
    };
    return {
      ...result,
      info: up ? { ...result.info, broker: indicator } : result.info,
      error: up ? result.error : { ...result.error, broker: indicator },
      details: { ...result.details, broker: indicator },
    };
  }

  private describeFailure(result: HealthCheckResult): FieldErrors {
    const errors: FieldErrors = {};
    for (const [name, detail] of Object.entries(result.error ?? result.details ?? {})) {
      const { state, message } = detail as { state?: string; message?: string };
      errors[name] =
        name === 'lifecycle'
          ? { isReady: NOT_READY_MESSAGE[state ?? ''] ?? `The service is ${state}.` }
          : { isUp: message ?? `${name} is down.` };
    }
    return Object.keys(errors).length > 0 ? errors : { service: { isReady: `The service is ${result.status}.` } };
  }

  /** Logs the changes of readiness, not every probe. */
  private noteReadiness(ready: boolean, errors?: FieldErrors): void {
    if (ready === this.wasReady) {
      return;
    }
    this.wasReady = ready;
    if (ready) {
      this.logger.log('Ready');
    } else {
      this.logger.warn({ msg: 'Not ready', errors });
    }
  }
}
