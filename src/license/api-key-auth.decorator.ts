import { applyDecorators, createParamDecorator, ExecutionContext, HttpStatus, UseGuards } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import { ApiEnvelopeError } from '../common/swagger/envelope.schema';
import { API_KEY_HEADER, ApiKeyGuard, LicensedRequest } from './api-key.guard';
import type { LicenseContext } from './license-context';

/** The name of the API-KEY security scheme in the OpenAPI document. */
export const API_KEY_SECURITY = 'API-KEY';

/** The route needs an active license's `API-KEY`: the guard, its Swagger security, and its 401/403. */
export function ApiKeyAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(ApiKeyGuard),
    ApiSecurity(API_KEY_SECURITY),
    ApiEnvelopeError(HttpStatus.UNAUTHORIZED, {
      description: `No ${API_KEY_HEADER} header, or a key that matches no license.`,
      message: 'The API-KEY does not match any license.',
      errors: { [API_KEY_HEADER]: { isValid: 'The API-KEY does not match any license.' } },
    }),
    ApiEnvelopeError(HttpStatus.FORBIDDEN, {
      description: 'A real key whose license is not active now (suspended, revoked, expired or not yet valid).',
      message: 'The license of this API-KEY is suspended.',
      errors: { [API_KEY_HEADER]: { isActive: 'The license of this API-KEY is suspended.' } },
    }),
  );
}

/** The license and enterprise of the key that authenticated the request. */
export const CurrentLicense = createParamDecorator(
  (_data: unknown, context: ExecutionContext): LicenseContext =>
    context.switchToHttp().getRequest<LicensedRequest>().license,
);
