import type { Request, Response } from 'express';
import type { FieldErrors } from '../envelope';

/** The route label of a request that matched no route (unknown paths, static files). */
export const NO_ROUTE = '(none)';

/** What an error answer said, kept for the access line and the metrics. */
export interface ErrorAnswer {
  message?: string;
  errors?: FieldErrors | null;
}

const ERROR_ANSWER = Symbol('errorAnswer');

/**
 * The route pattern that served the request (`/api/vendor/v1/sms/callback/:id`), never the raw path:
 * bounded label values for metrics, no ids in the access line's `route`.
 */
export function routeOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : NO_ROUTE;
}

/** The license whose API-KEY authenticated the request, if any (set by the API-KEY guard). */
export function licenseIdOf(req: Request): string | undefined {
  return (req as { license?: { licenseId?: string } }).license?.licenseId;
}

/** The `message` and `errors` of the envelope sent for an error status (see {@link errorAnswerCapture}). */
export function errorAnswerOf(res: Response): ErrorAnswer | undefined {
  return (res as unknown as { [ERROR_ANSWER]?: ErrorAnswer })[ERROR_ANSWER];
}

/**
 * Remembers the `message` and `errors` of an error envelope as it is sent, whichever layer sends it (the
 * exception filter, the shutdown gate, the request timeout), so that the access line can say why and the
 * metrics can count authentication failures by reason. Installed once on the Express application's response
 * prototype (`res.json` of its responses), not per request: no bound function, closure or own property on
 * every response.
 */
export function captureErrorAnswers(app: { response: Response }): void {
  const json = app.response.json;
  app.response.json = function (this: Response, body: unknown) {
    if (this.statusCode >= 400 && typeof body === 'object' && body !== null) {
      const { message, errors } = body as ErrorAnswer;
      (this as unknown as { [ERROR_ANSWER]?: ErrorAnswer })[ERROR_ANSWER] = { message, errors };
    }
    return json.call(this, body);
  };
}
