import { HttpException, HttpStatus } from '@nestjs/common';
import type { FieldErrors } from './envelope';

/**
 * An error answered in the envelope with this status, message and `errors`, plus response headers
 * (`Retry-After`, `Allow`, ...). Throw it wherever a request must be refused; the exception filter does
 * the rest.
 */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    message: string,
    readonly errors: FieldErrors | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super({ message, errors }, status);
  }

  /** One rule of one field: `ApiError.field(400, 'id', 'isUuid', 'id must be a UUID')`. */
  static field(status: HttpStatus, field: string, rule: string, message: string): ApiError {
    return new ApiError(status, message, { [field]: { [rule]: message } });
  }
}
