import request from 'supertest';
import type { App } from 'supertest/types';
import { aCallback, CALLBACK_PATH } from './factories';

/** The admin credential the admin specs configure (ADMIN_API_KEY). */
export const ADMIN_KEY = 'test-admin-key-0123456789abcdefghijklmnopqrstuv';
export const ADMIN_KEY_ID = 'test-portal';
export const ADMIN_ENV = { ADMIN_API_KEY: ADMIN_KEY, ADMIN_API_KEY_ID: ADMIN_KEY_ID };
export const LICENSES_PATH = '/api/admin/v1/licenses';

/** Admin API requests with the admin key set. */
export function adminApi(http: App) {
  const withKey = (test: request.Test) => test.set('ADMIN-API-KEY', ADMIN_KEY);
  return {
    get: (path = '') => withKey(request(http).get(`${LICENSES_PATH}${path}`)),
    post: (path = '', body?: object) => {
      const test = withKey(request(http).post(`${LICENSES_PATH}${path}`));
      return body === undefined ? test : test.send(body);
    },
    patch: (path: string, body: object) => withKey(request(http).patch(`${LICENSES_PATH}${path}`)).send(body),
  };
}

/** A delivery report sent with this key. */
export function sendCallback(http: App, apiKey: string): request.Test {
  return request(http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback());
}

/** Calls `probe` until `done` says so or time runs out; resolves to the last value and when it came. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  intervalMs = 50,
): Promise<{ value: T; elapsedMs: number }> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    const elapsedMs = Date.now() - start;
    if (done(value) || elapsedMs > timeoutMs) {
      return { value, elapsedMs };
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
