import { applyDecorators, createParamDecorator, ExecutionContext, HttpStatus, UseGuards } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import { ApiEnvelopeError } from '../common/swagger/envelope.schema';
import { API_KEY_HEADER, type LicenseContext, type LicensedRequest } from './license-context';
import { LicenseGuard } from './license.guard';

/** The name of the API-KEY security scheme in the OpenAPI document. */
export const API_KEY_SECURITY = 'API-KEY';

const RETRY_AFTER_HEADER = {
  'Retry-After': {
    description: 'Seconds to wait before sending again.',
    required: true,
    schema: { type: 'integer' as const },
  },
};

/**
 * The route needs an active license's `API-KEY`, within the license's rate limit: the guard (one, which
 * also reads a `@JsonBody()` route's body after the key: see {@link LicenseGuard}), its Swagger security,
 * and its 401/403/429.
 */
export function ApiKeyAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(LicenseGuard),
    ApiSecurity(API_KEY_SECURITY),
    ApiEnvelopeError(HttpStatus.UNAUTHORIZED, {
      description: `No ${API_KEY_HEADER} header, or a key that matches no license.`,
      message: 'The API-KEY does not match any license.',
      errors: { [API_KEY_HEADER]: { isValid: 'The API-KEY does not match any license.' } },
    }),
    ApiEnvelopeError(HttpStatus.FORBIDDEN, {
      description:
        'A real key whose license is not active now (suspended, revoked, expired or not yet valid), ' +
        'or used from a client address that is not on the allow-list of its license.',
      message: 'The license of this API-KEY is suspended.',
      errors: { [API_KEY_HEADER]: { isActive: 'The license of this API-KEY is suspended.' } },
    }),
    ApiEnvelopeError(HttpStatus.TOO_MANY_REQUESTS, {
      description:
        "Past the license's requests per second, or past the failed authentications allowed from this address " +
        '(then refused whatever the key, for a while). Nothing was stored: send it again after `Retry-After`.',
      message: 'Too many requests: this license may make 50 per second. Send again later.',
      errors: {
        [API_KEY_HEADER]: { rateLimit: 'Too many requests: this license may make 50 per second. Send again later.' },
      },
      headers: RETRY_AFTER_HEADER,
    }),
  );
}

/** The license and enterprise of the key that authenticated the request. */
export const CurrentLicense = createParamDecorator(
  (_data: unknown, context: ExecutionContext): LicenseContext =>
    context.switchToHttp().getRequest<LicensedRequest>().license,
);
