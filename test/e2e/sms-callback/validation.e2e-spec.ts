import request from 'supertest';
import { aCallback, CALLBACK_PATH, CallbackBody } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

/** Every rule of the body, one row each: what is sent, which field answers, with which rule. */
const REJECTED: Array<[string, CallbackBody, string, string]> = [
  ['msisdn is missing', { msisdn: undefined }, 'msisdn', 'isDefined'],
  ['requestId is missing', { requestId: undefined }, 'requestId', 'isDefined'],
  ['sendTime is missing', { sendTime: undefined }, 'sendTime', 'isDefined'],
  ['referentId is missing', { referentId: undefined }, 'referentId', 'isDefined'],
  ['retryCount is missing', { retryCount: undefined }, 'retryCount', 'isDefined'],
  ['msisdn is null', { msisdn: null }, 'msisdn', 'isDefined'],
  ['msisdn is empty', { msisdn: '' }, 'msisdn', 'isNotEmpty'],
  ['requestId is empty', { requestId: '' }, 'requestId', 'isNotEmpty'],
  ['sendTime is empty', { sendTime: '' }, 'sendTime', 'isNotEmpty'],
  ['referentId is empty', { referentId: '' }, 'referentId', 'isNotEmpty'],
  ['msisdn is a number', { msisdn: 84912345678 }, 'msisdn', 'isString'],
  ['requestId is an object', { requestId: { id: 1 } }, 'requestId', 'isString'],
  ['sendTime is an array', { sendTime: ['2025-05-01'] }, 'sendTime', 'isString'],
  ['referentId is a boolean', { referentId: true }, 'referentId', 'isString'],
  ['responseTimeTelco is a number', { responseTimeTelco: 1714558530 }, 'responseTimeTelco', 'isString'],
  ['msisdn is too long', { msisdn: '8'.repeat(33) }, 'msisdn', 'maxLength'],
  ['requestId is too long', { requestId: 'r'.repeat(256) }, 'requestId', 'maxLength'],
  ['referentId is too long', { referentId: 'r'.repeat(256) }, 'referentId', 'maxLength'],
  ['sendTime is too long', { sendTime: '2'.repeat(65) }, 'sendTime', 'maxLength'],
  ['responseTimeTelco is too long', { responseTimeTelco: '2'.repeat(65) }, 'responseTimeTelco', 'maxLength'],
  ['status is a word', { status: 'delivered' }, 'status', 'isInt'],
  ['status is a fraction', { status: 1.5 }, 'status', 'isInt'],
  ['status is a fraction in a string', { status: '1.5' }, 'status', 'isInt'],
  ['status is a boolean', { status: true }, 'status', 'isInt'],
  ['status is beyond a 32-bit integer', { status: 2 ** 31 }, 'status', 'max'],
  ['retryCount is negative', { retryCount: -1 }, 'retryCount', 'min'],
  ['retryCount is a fraction', { retryCount: 0.5 }, 'retryCount', 'isInt'],
  ['retryCount is a word', { retryCount: 'three' }, 'retryCount', 'isInt'],
  ['retryCount is an empty string', { retryCount: '' }, 'retryCount', 'isInt'],
  ['retryCount is null', { retryCount: null }, 'retryCount', 'isDefined'],
  ['retryCount is an array', { retryCount: [1] }, 'retryCount', 'isInt'],
  ['retryCount is huge', { retryCount: 1e20 }, 'retryCount', 'max'],
];

describe('POST /api/vendor/v1/sms/callback: bad input', () => {
  let t: TestApp;
  let key: { apiKey: string; enterpriseId: string };

  beforeAll(async () => {
    t = await createTestApp();
    key = await t.issueKey();
  });
  afterEach(async () => {
    // Nothing sent by these tests may ever be stored.
    const [{ count }] = await t.dataSource.query<Array<{ count: string }>>(
      'SELECT count(*) FROM sms_callbacks WHERE enterprise_id = $1',
      [key.enterpriseId],
    );
    expect(Number(count)).toBe(0);
  });
  afterAll(async () => {
    await t.close();
  });

  const post = () => request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey);

  it.each(REJECTED)('should answer 400 when %s', async (_case, overrides, field, rule) => {
    const res = await post().send(aCallback(overrides));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 400, data: null, total_record: 0, current_page: 0 });
    expect(res.body.message).toContain(field);
    expect(Object.keys(res.body.errors)).toEqual([field]);
    expect(res.body.errors[field]).toEqual({ [rule]: expect.any(String) });
  });

  it('should name every missing field at once', async () => {
    const res = await post().send({}).expect(400);
    expect(Object.keys(res.body.errors).sort()).toEqual([
      'msisdn',
      'referentId',
      'requestId',
      'retryCount',
      'sendTime',
    ]);
    expect(res.body.errors.msisdn).toEqual({
      isDefined: 'msisdn is required: a non-empty string of at most 32 characters, e.g. "84912345678".',
    });
  });

  it('should name a bad time with the other bad fields in one 400 (one pass, not one round trip each)', async () => {
    const res = await post()
      .send(aCallback({ sendTime: '2025-02-30 10:00:00', status: 'delivered', retryCount: -1 }))
      .expect(400);
    expect(Object.keys(res.body.errors)).toEqual(['sendTime', 'status', 'retryCount']);
    expect(res.body.message).toBe('Validation failed: sendTime, status, retryCount.');
    expect(res.body.errors.sendTime).toEqual({
      isVendorTime: 'sendTime "2025-02-30 10:00:00" is not a real time: 2025-02 has no day 30.',
    });
  });

  it('should answer one 400 naming the four fields of a body with four bad fields', async () => {
    const res = await post()
      .send(aCallback({ msisdn: 'call me', responseTimeTelco: 'soon', status: 1.5, retryCount: 'three' }))
      .expect(400);
    expect(res.body.errors).toEqual({
      msisdn: { isMsisdn: expect.stringContaining('e.g. 84912345678') },
      responseTimeTelco: { isVendorTime: expect.stringContaining('YYYY-MM-DD HH:mm:ss') },
      status: { isInt: expect.stringContaining('an integer') },
      retryCount: { isInt: expect.stringContaining('an integer from 0') },
    });
    for (const rules of Object.values<Record<string, string>>(res.body.errors)) {
      expect(Object.values(rules)[0].length).toBeLessThanOrEqual(320);
    }
  });

  it('should answer 400 for malformed JSON', async () => {
    const res = await post().set('Content-Type', 'application/json').send('{"msisdn": "849');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 400, data: null, message: 'The body is not valid JSON.' });
    expect(res.body.errors.body.isJson).toEqual(expect.any(String));
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('should answer 400 when the body is %s', async (_case, raw) => {
    const res = await post().set('Content-Type', 'application/json').send(raw);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(400);
    expect(res.body.errors).toHaveProperty('body');
  });

  it('should answer 400 when there is no body at all', async () => {
    const res = await post().expect(400);
    expect(res.body.errors.body).toEqual({ isObject: 'The body is missing: send a JSON object.' });
  });

  it('should answer 413 in the envelope for a body over the limit', async () => {
    const res = await post().send(aCallback({ padding: 'x'.repeat(70 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: 413, data: null, errors: { body: { maxSize: expect.any(String) } } });
  });

  it.each([
    ['text/plain', 'msisdn=84912345678'],
    ['application/x-www-form-urlencoded', 'msisdn=84912345678&requestId=1'],
    ['application/xml', '<callback/>'],
  ])('should answer 415 for a %s body', async (type, raw) => {
    const res = await post().set('Content-Type', type).send(raw);
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({
      code: 415,
      data: null,
      errors: { 'Content-Type': { isJson: expect.any(String) } },
    });
  });

  it('should answer 415 for JSON in a charset other than UTF-8', async () => {
    const res = await post().set('Content-Type', 'application/json; charset=latin1').send(JSON.stringify(aCallback()));
    expect(res.status).toBe(415);
    expect(res.body.code).toBe(415);
  });

  it('should accept JSON declared with a charset of utf-8', async () => {
    // This one is stored: use another enterprise so that the "nothing stored" check above holds.
    const other = await t.issueKey();
    await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', other.apiKey)
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify(aCallback()))
      .expect(201);
  });

  it('should answer 400 for text with a NUL character, in a field or an extra one', async () => {
    for (const body of [aCallback({ msisdn: '8491\u00002345678' }), aCallback({ note: 'a\u0000b' })]) {
      const res = await post().send(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(400);
    }
  });

  it('should answer 400 for a lone UTF-16 surrogate', async () => {
    const res = await post().set('Content-Type', 'application/json').send('{"msisdn":"\\ud800","requestId":"r"}');
    expect(res.status).toBe(400);
  });

  it('should answer 400 for an extra field nested absurdly deep', async () => {
    const deep = '{"a":'.repeat(200) + '1' + '}'.repeat(200);
    const res = await post()
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(aCallback()).replace(/}$/, `,"deep":${deep}}`));
    expect(res.status).toBe(400);
    expect(res.body.errors.body).toHaveProperty('maxDepth');
  });

  it('should check the key before the body', async () => {
    const res = await request(t.http).post(CALLBACK_PATH).send({});
    expect(res.status).toBe(401);
  });
});
