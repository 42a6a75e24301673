import type { Response } from 'express';
import { errorEnvelope } from '../envelope';
import { RETRY_AFTER_SECONDS } from '../filters/all-exceptions.filter';

/** A 503 in the envelope, with `Retry-After` and `Connection: close`: nothing was done, send it again later. */
export function answerUnavailable(res: Response, message: string): void {
  res
    .status(503)
    .set({ 'Retry-After': String(RETRY_AFTER_SECONDS), Connection: 'close' })
    .json(errorEnvelope(503, message));
}
