import { randomUUID } from 'node:crypto';
import type { IssueLicenseInput } from '../../src/index';

export interface CallbackBody {
  msisdn?: unknown;
  requestId?: unknown;
  sendTime?: unknown;
  responseTimeTelco?: unknown;
  status?: unknown;
  referentId?: unknown;
  retryCount?: unknown;
  [extra: string]: unknown;
}

/** A valid, distinct delivery report; override any field (`undefined` removes it). */
export function aCallback(overrides: CallbackBody = {}): CallbackBody {
  const body: CallbackBody = {
    msisdn: '84912345678',
    requestId: `req-${randomUUID()}`,
    sendTime: '2025-05-01 17:15:30',
    responseTimeTelco: '2025-05-01 17:15:32',
    status: 0,
    referentId: `msg-${randomUUID()}`,
    retryCount: 0,
    ...overrides,
  };
  for (const key of Object.keys(body)) {
    if (body[key] === undefined) {
      delete body[key];
    }
  }
  return body;
}

export const CALLBACK_PATH = '/api/vendor/v1/sms/callback';

/** A license to issue: a new enterprise of its own unless given; override any setting. */
export function aLicense(overrides: Partial<IssueLicenseInput> = {}): IssueLicenseInput {
  return { enterpriseId: `ent-${randomUUID()}`, ...overrides };
}
