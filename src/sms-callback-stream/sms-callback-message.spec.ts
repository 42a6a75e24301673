import type { StoredSmsCallback } from '../sms-callback/sms-callback.repository';
import { messageOf } from './sms-callback-message';
import { resolveStreamOptions, STREAM_DEFAULTS } from './sms-callback-stream.options';

const stored: StoredSmsCallback = {
  id: '3f0e7a1c-5b2d-4c8e-9a6f-1d2e3f4a5b6c',
  enterpriseId: 'acme',
  licenseId: '9b1d2c3e-0000-4000-8000-000000000001',
  receivedAt: new Date('2025-05-01T10:15:33.120Z'),
  msisdn: '0912345678',
  msisdnNormalized: '84912345678',
  requestId: 'req-1',
  sendTime: '2025-05-01 17:15:30',
  sendTimeAt: new Date('2025-05-01T10:15:30.000Z'),
  responseTimeTelco: null,
  responseTimeTelcoAt: null,
  status: 0,
  referentId: 'msg-1',
  retryCount: 0,
};

describe('messageOf', () => {
  it('should carry the callback as the API returns it, with its enterprise and license, under the pattern', () => {
    const message = messageOf(stored);
    expect(message.routingKey).toBe('sms-callback.stored');
    expect(JSON.parse(message.content.toString())).toEqual({
      pattern: 'sms-callback.stored',
      data: {
        id: stored.id,
        msisdn: '0912345678',
        msisdnNormalized: '84912345678',
        requestId: 'req-1',
        sendTime: '2025-05-01 17:15:30',
        sendTimeUtc: '2025-05-01T10:15:30.000Z',
        responseTimeTelco: null,
        responseTimeTelcoUtc: null,
        status: 0,
        referentId: 'msg-1',
        retryCount: 0,
        receivedAt: '2025-05-01T10:15:33.120Z',
        enterpriseId: 'acme',
        licenseId: stored.licenseId,
      },
    });
  });

  it('should be persistent JSON whose messageId is the callback id', () => {
    expect(messageOf(stored).options).toEqual({
      persistent: true,
      contentType: 'application/json',
      messageId: stored.id,
    });
  });
});

describe('resolveStreamOptions', () => {
  it('should take the defaults for what is absent or undefined, and keep what is given', () => {
    expect(resolveStreamOptions({ brokerUrl: 'amqp://b', exchange: undefined, batchSize: 10 })).toEqual({
      ...STREAM_DEFAULTS,
      brokerUrl: 'amqp://b',
      batchSize: 10,
    });
  });
});
