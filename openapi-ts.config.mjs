// The typed HTTP client of the API (`sms-callback-service/client`), generated from openapi.json by
// @hey-api/openapi-ts: `npm run openapi` rewrites openapi.json, then this client.
/** @type {import('@hey-api/openapi-ts').UserConfig} */
export default {
  input: './openapi.json',
  output: { path: './src/client/generated', postProcess: ['prettier'] },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
};
