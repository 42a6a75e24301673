import { applyDecorators, createParamDecorator, ExecutionContext, HttpStatus, UseGuards } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import { ApiEnvelopeError } from '../common/swagger/envelope.schema';
import { ADMIN_API_KEY_HEADER, AdminApiKeyGuard, type AdminRequest } from './admin-api-key.guard';

/** The name of the admin security scheme in the OpenAPI document. */
export const ADMIN_API_KEY_SECURITY = 'ADMIN-API-KEY';

/** The route needs the admin credential: the guard, its Swagger security, and its 401/404/429. */
export function AdminAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(AdminApiKeyGuard),
    ApiSecurity(ADMIN_API_KEY_SECURITY),
    ApiEnvelopeError(HttpStatus.UNAUTHORIZED, {
      description: `No ${ADMIN_API_KEY_HEADER} header, or not the admin key.`,
      message: 'The ADMIN-API-KEY is not valid.',
      errors: { [ADMIN_API_KEY_HEADER]: { isValid: 'The ADMIN-API-KEY is not valid.' } },
    }),
    ApiEnvelopeError(HttpStatus.TOO_MANY_REQUESTS, {
      description: 'Too many failed admin authentications from this address: refused for a while, whatever the key.',
      message: 'Too many failed authentications from this address: try again in 60 s.',
      errors: {
        [ADMIN_API_KEY_HEADER]: {
          failedAttempts: 'Too many failed authentications from this address: try again in 60 s.',
        },
      },
      headers: {
        'Retry-After': {
          description: 'Seconds to wait before trying again.',
          required: true,
          schema: { type: 'integer' },
        },
      },
    }),
  );
}

/** Who the request's changes are attributed to in the audit trail (`admin-api:<ADMIN_API_KEY_ID>`). */
export const AdminActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest<AdminRequest>().adminActor,
);
