/**
 * The typed HTTP client of the service (`sms-callback-service/client`), for services in other processes or
 * stacks: generated from `openapi.json` by @hey-api/openapi-ts (`npm run openapi` regenerates both), on
 * the platform's `fetch`. Every operation is a function (`smsCallbackControllerCreate`, ...), its body,
 * query, answers and errors typed from the document.
 *
 * ```ts
 * const client = createSmsCallbackClient({ baseUrl: 'http://sms-callback:3000', apiKey });
 * const { data, response } = await smsCallbackControllerCreate({ client, body: { msisdn: '84912345678', ... } });
 * // data: the envelope, data.data the stored callback; response.status 201 (stored) or 200 (a replay)
 * ```
 */
import { createClient, createConfig, type Client } from './generated/client';

export * from './generated';
export { createClient, createConfig, type Client } from './generated/client';

export interface SmsCallbackClientOptions {
  /** Where the service answers, e.g. `http://sms-callback:3000`. */
  baseUrl: string;
  /** A vendor's `API-KEY`, sent to the vendor routes. */
  apiKey?: string;
  /** The `ADMIN-API-KEY`, sent to the admin routes. */
  adminApiKey?: string;
  /** The METRICS_TOKEN, sent as `Authorization: Bearer` to `/metrics`. */
  metricsToken?: string;
  /** Another `fetch` (tests, a proxy agent). */
  fetch?: typeof fetch;
}

/** A client whose requests carry the credential each route asks for. */
export function createSmsCallbackClient(options: SmsCallbackClientOptions): Client {
  return createClient(
    createConfig({
      baseUrl: options.baseUrl,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      auth: (auth) => {
        if (auth.name === 'API-KEY') {
          return options.apiKey;
        }
        if (auth.name === 'ADMIN-API-KEY') {
          return options.adminApiKey;
        }
        return auth.scheme === 'bearer' ? options.metricsToken : undefined;
      },
    }),
  );
}
