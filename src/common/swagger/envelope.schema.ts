import { applyDecorators, HttpStatus, Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { statusText } from '../envelope';

/** The envelope's fields other than `data`, for Swagger. */
export class EnvelopeDto {
  @ApiProperty({
    description: 'The HTTP status code of the response, repeated in the body.',
    type: 'integer',
    minimum: 100,
    maximum: 599,
    example: 200,
  })
  code: number;

  @ApiProperty({ description: 'A short human-readable sentence.', example: 'OK' })
  message: string;

  @ApiProperty({
    description: '`null` on success; on failure an object keyed by field, each `{ rule: message }`.',
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
    nullable: true,
    example: null,
  })
  errors: Record<string, Record<string, string>> | null;

  @ApiProperty({
    description:
      'Lists: the number of matching records, counted up to a cap (10,000 for the callbacks): when more match, ' +
      'it is the cap and the response has the header `Total-Record-Capped: true`; one resource: 1; errors: 0.',
    type: 'integer',
    minimum: 0,
    example: 1,
  })
  total_record: number;

  @ApiProperty({
    description: 'Lists: the 1-based page returned; one resource: 1; errors: 0.',
    type: 'integer',
    minimum: 0,
    example: 1,
  })
  current_page: number;
}

interface EnvelopeResponseOptions {
  isArray?: boolean;
  description?: string;
  /** A whole example answer (the envelope). */
  example?: unknown;
  headers?: Record<
    string,
    { description: string; required?: boolean; schema: { type: 'string' | 'integer'; enum?: string[] } }
  >;
}

/** Documents a success response as the envelope with `data` of the given DTO (or an array of it). */
export function ApiEnvelopeResponse<T extends Type<unknown>>(
  dto: T,
  status: HttpStatus,
  options: EnvelopeResponseOptions = {},
): MethodDecorator & ClassDecorator {
  const data = options.isArray ? { type: 'array', items: { $ref: getSchemaPath(dto) } } : { $ref: getSchemaPath(dto) };
  const schema = {
    allOf: [
      { $ref: getSchemaPath(EnvelopeDto) },
      {
        type: 'object',
        required: ['code', 'data', 'message', 'errors', 'total_record', 'current_page'],
        properties: { code: { type: 'integer', example: status }, data, message: { example: statusText(status) } },
      },
    ],
  };
  return applyDecorators(
    ApiExtraModels(EnvelopeDto, dto),
    ApiResponse({
      status,
      description: options.description ?? statusText(status),
      headers: options.headers,
      ...(options.example === undefined
        ? { schema }
        : { content: { 'application/json': { schema, example: options.example } } }),
    }),
  );
}

interface ErrorExample {
  message: string;
  errors?: Record<string, Record<string, string>> | null;
  description?: string;
  headers?: EnvelopeResponseOptions['headers'];
}

/** Documents an error response as the envelope, with `data: null` and an example. */
export function ApiEnvelopeError(status: HttpStatus, example: ErrorExample): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(EnvelopeDto),
    ApiResponse({
      status,
      description: example.description ?? statusText(status),
      headers: example.headers,
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: getSchemaPath(EnvelopeDto) },
              { type: 'object', properties: { data: { type: 'object', nullable: true, example: null } } },
            ],
          },
          example: {
            code: status,
            data: null,
            message: example.message,
            errors: example.errors ?? null,
            total_record: 0,
            current_page: 0,
          },
        },
      },
    }),
  );
}

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before sending again.',
    required: true,
    schema: { type: 'integer' as const },
  },
};

/**
 * The errors any route of this service may answer, documented once: a wrong method is a 405 with `Allow`;
 * 503 is the database out of reach, a request past REQUEST_TIMEOUT_MS or a shutdown. A route that reads a
 * body adds {@link ApiJsonBodyErrors} (through `@JsonBody()`).
 */
export function ApiCommonErrors(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiEnvelopeError(HttpStatus.NOT_FOUND, {
      description: 'No such route (or, under /api/admin, the admin API is off).',
      message: 'No route GET /api/vendor/v1/sms/nothing.',
    }),
    ApiEnvelopeError(HttpStatus.METHOD_NOT_ALLOWED, {
      description: 'The path exists, but not with this method: `Allow` lists the methods it takes.',
      message: 'DELETE is not allowed on /api/vendor/v1/sms/callback; allowed: GET, HEAD, POST.',
      errors: { method: { isAllowed: 'allowed methods: GET, HEAD, POST' } },
      headers: { Allow: { description: 'The methods the path takes.', required: true, schema: { type: 'string' } } },
    }),
    ApiEnvelopeError(HttpStatus.INTERNAL_SERVER_ERROR, {
      description: 'A bug: the error id is in the log, with the details; the body never has them.',
      message: 'Internal server error (error id 4f1c2b7e-8d7a-4a52-9c1e-0d3b5b8e2f10).',
      errors: { server: { errorId: '4f1c2b7e-8d7a-4a52-9c1e-0d3b5b8e2f10' } },
    }),
    ApiEnvelopeError(HttpStatus.SERVICE_UNAVAILABLE, {
      description:
        'The database is out of reach, the request took longer than REQUEST_TIMEOUT_MS, or the service is ' +
        'shutting down. Nothing was stored: send it again after `Retry-After`.',
      message: 'The database is unavailable; nothing was stored. Send the request again later.',
      headers: RETRY_AFTER,
    }),
  );
}

/**
 * The errors of a route that reads a JSON body (after its key check): a route's own decorators replace the
 * 400 with theirs.
 */
export function ApiJsonBodyErrors(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
      description: 'The request is malformed: a body that is not valid JSON.',
      message: 'The body is not valid JSON.',
      errors: { body: { isJson: "Expected property name or '}' in JSON at position 1" } },
    }),
    ApiEnvelopeError(HttpStatus.REQUEST_TIMEOUT, {
      description: 'The body did not arrive within BODY_TIMEOUT_MS: nothing was stored, send it again.',
      message: 'The body did not arrive within 30000 ms; nothing was stored. Send it again.',
      errors: { body: { timeout: 'The body must arrive within 30000 ms.' } },
    }),
    ApiEnvelopeError(HttpStatus.PAYLOAD_TOO_LARGE, {
      description:
        'The body (declared, as sent, or inflated) is over BODY_LIMIT (64 kB by default); a declared length ' +
        'is refused before reading.',
      message: 'The body is larger than this service accepts.',
      errors: { body: { maxSize: 'The body must be at most 65536 bytes (65536000 bytes declared).' } },
    }),
    ApiEnvelopeError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, {
      description: 'A body that is not JSON in UTF-8 (`application/json`, optionally gzip- or deflate-encoded).',
      message: 'The body must be sent as Content-Type: application/json (received text/plain).',
      errors: {
        'Content-Type': { isJson: 'The body must be sent as Content-Type: application/json (received text/plain).' },
      },
    }),
  );
}
