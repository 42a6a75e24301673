import { HttpStatus, ParseUUIDPipe } from '@nestjs/common';
import { ApiError } from '../api-error';

/** `@Param('id', uuidParam())`: `:id` must be a UUID, 400 in the envelope otherwise. */
export function uuidParam(name = 'id'): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => ApiError.field(HttpStatus.BAD_REQUEST, name, 'isUuid', `${name} must be a UUID.`),
  });
}
