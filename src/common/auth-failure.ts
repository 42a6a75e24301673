import { HttpStatus } from '@nestjs/common';
import { ApiError } from './api-error';

/** The credentials whose refusals are counted as authentication failures. */
export type AuthCredential = 'API-KEY' | 'ADMIN-API-KEY' | 'Authorization';

/** Why a credential was refused. */
export type AuthFailureReason =
  'missing' | 'unknown' | 'revoked' | 'suspended' | 'expired' | 'not_yet_valid' | 'is_allowed_address';

/** A refused credential: a 401 or 403 in the envelope that says, as typed values, which and why. */
export class AuthenticationError extends ApiError {
  constructor(
    status: HttpStatus.UNAUTHORIZED | HttpStatus.FORBIDDEN,
    readonly credential: AuthCredential,
    readonly reason: AuthFailureReason,
    rule: string,
    message: string,
  ) {
    super(status, message, { [credential]: { [rule]: message } });
  }
}

export interface AuthFailure {
  credential: AuthCredential;
  reason: AuthFailureReason;
}

const AUTH_FAILURE = Symbol('authFailure');

/** Notes on the request which credential was refused, and why (the exception filter does, for the metrics). */
export function noteAuthFailure(req: object, error: AuthenticationError): void {
  (req as { [AUTH_FAILURE]?: AuthFailure })[AUTH_FAILURE] = { credential: error.credential, reason: error.reason };
}

/** The refusal noted by {@link noteAuthFailure}, if any. */
export function authFailureOf(req: object): AuthFailure | undefined {
  return (req as { [AUTH_FAILURE]?: AuthFailure })[AUTH_FAILURE];
}
