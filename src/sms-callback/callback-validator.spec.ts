import { RawJson } from '../common/body/raw-json';
import { ApiError } from '../common/api-error';
import { CallbackNormalizer } from './callback-normalizer';
import { SmsCallbackValidator } from './callback-validator';
import { CreateSmsCallbackDto } from './dto/create-sms-callback.dto';
import { normalizeMsisdn } from './normalization/msisdn';
import { parseVendorTime } from './normalization/vendor-time';
import { SmsCallbackOptions } from './sms-callback.options';

// The readers, counted (each still does its real work).
jest.mock('./normalization/vendor-time', () => {
  const actual = jest.requireActual<typeof import('./normalization/vendor-time')>('./normalization/vendor-time');
  return { ...actual, parseVendorTime: jest.fn(actual.parseVendorTime) };
});
jest.mock('./normalization/msisdn', () => {
  const actual = jest.requireActual<typeof import('./normalization/msisdn')>('./normalization/msisdn');
  return { ...actual, normalizeMsisdn: jest.fn(actual.normalizeMsisdn) };
});

const options = new SmsCallbackOptions({ timezone: 'Asia/Ho_Chi_Minh', defaultCountryCode: '84' });
const validator = new SmsCallbackValidator(new CallbackNormalizer(options));

const VALID = {
  msisdn: '0912345678',
  requestId: 'req-1',
  sendTime: '2025-05-01 17:15:30',
  responseTimeTelco: '2025-05-01T10:15:32Z',
  status: 0,
  referentId: 'msg-1',
  retryCount: 0,
};

describe('SmsCallbackValidator', () => {
  beforeEach(() => jest.clearAllMocks());

  it('should name every bad field in one answer: a bad time with the type errors of other fields', async () => {
    const result = await validator.validate({ ...VALID, sendTime: '2025-02-30 10:00:00', status: 'x', retryCount: -1 });
    expect(result.errors).toEqual({
      sendTime: { isVendorTime: 'sendTime "2025-02-30 10:00:00" is not a real time: 2025-02 has no day 30.' },
      status: { isInt: expect.stringContaining('status must be an integer from -2147483648 to 2147483647') },
      retryCount: { min: 'retryCount is too small: it must be an integer from 0 to 2147483647.' },
    });
  });

  it('should name four bad fields of four kinds (phone, time, type, range) in the spec order', async () => {
    const result = await validator.validate({
      ...VALID,
      retryCount: 1.5,
      responseTimeTelco: 'yesterday',
      status: 2 ** 31,
      msisdn: 'abc',
    });
    expect(Object.keys(result.errors ?? {})).toEqual(['msisdn', 'responseTimeTelco', 'status', 'retryCount']);
    expect(result.errors?.msisdn).toHaveProperty('isMsisdn');
    expect(result.errors?.responseTimeTelco).toHaveProperty('isVendorTime');
  });

  it('should give one short message per field that says what is accepted', async () => {
    const result = await validator.validate({ msisdn: '12', sendTime: 'x'.repeat(64), status: true });
    for (const rules of Object.values(result.errors ?? {})) {
      expect(Object.keys(rules)).toHaveLength(1);
      const [message] = Object.values(rules);
      expect(message.length).toBeLessThanOrEqual(320);
      expect(message).toMatch(/e\.g\.|accepted|at most|an integer/);
      expect(message).not.toMatch(/you specified|of type/);
    }
    expect(result.errors?.sendTime.isVendorTime).toMatch(/YYYYMMDDHHmmss.*Asia\/Ho_Chi_Minh/);
  });

  it('should add text PostgreSQL cannot store to the same answer', async () => {
    const result = await validator.validate({ ...VALID, note: 'a\u0000b', retryCount: 'three' });
    expect(Object.keys(result.errors ?? {})).toEqual(['note', 'retryCount']);
  });

  it('should refuse a body that is not an object', async () => {
    await expect(validator.validate([VALID])).resolves.toEqual({
      errors: { body: { isObject: 'The body must be a JSON object.' } },
    });
    await expect(validator.parse(undefined)).rejects.toBeInstanceOf(ApiError);
  });

  it('should give the DTO, the values read and the raw body of a valid callback', async () => {
    const body = { ...VALID, retryCount: '2', extra: { kept: true } };
    const result = await validator.validate(body);
    expect(result.errors).toBeUndefined();
    const valid = result.errors ? undefined : result.valid;
    expect(valid?.dto).toBeInstanceOf(CreateSmsCallbackDto);
    expect(valid?.dto).toMatchObject({ retryCount: 2 });
    expect(valid?.dto).not.toHaveProperty('extra');
    expect(valid?.normalized).toEqual({
      msisdn: '84912345678',
      sendTime: new Date('2025-05-01T10:15:30Z'),
      responseTimeTelco: new Date('2025-05-01T10:15:32Z'),
    });
    expect(valid?.rawBody.value).toBe(body);
    expect(JSON.parse(valid!.rawBody.text)).toEqual(body);
  });

  it('should keep the exact text of the body when it is given', async () => {
    // 2^53 + 1 has no exact double: only the text keeps it.
    const text = JSON.stringify({ ...VALID, extra: 0 }).replace('"extra":0', '"extra":9007199254740993');
    const raw = new RawJson(text, JSON.parse(text));
    const result = await validator.validate(raw.value, raw);
    expect(result.errors ? undefined : result.valid.rawBody).toBe(raw);
  });

  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', ''],
  ])('should read a responseTimeTelco that is %s as null', async (_case, responseTimeTelco) => {
    const result = await validator.parse({ ...VALID, responseTimeTelco });
    expect(result.normalized.responseTimeTelco).toBeNull();
  });

  it('should read each time and the phone number once for a valid body', async () => {
    await validator.parse({ ...VALID });
    expect(jest.mocked(parseVendorTime).mock.calls.map(([raw]) => raw)).toEqual([
      VALID.sendTime,
      VALID.responseTimeTelco,
    ]);
    expect(normalizeMsisdn).toHaveBeenCalledTimes(1);
  });
});
