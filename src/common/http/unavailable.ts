import type { Response } from 'express';
import { errorEnvelope } from '../envelope';

/** Seconds a client is asked to wait before sending again when the service cannot take the request now. */
export const RETRY_AFTER_SECONDS = 5;

/** A 503 in the envelope, with `Retry-After` and `Connection: close`: nothing was done, send it again later. */
export function answerUnavailable(res: Response, message: string): void {
  res
    .status(503)
    .set({ 'Retry-After': String(RETRY_AFTER_SECONDS), Connection: 'close' })
    .json(errorEnvelope(503, message));
}
