import { REDACTED, redact, redactText } from './redact';

describe('redact', () => {
  const key = 'smscb_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbC';

  it("should replace the value of every secret-named field, at any depth and in any case (not a key's shown prefix)", () => {
    const logged = {
      headers: { 'API-KEY': key, 'admin-api-key': 'admin-secret', Authorization: 'Bearer abc', accept: '*/*' },
      body: { apiKey: key, nested: [{ key: 'k', password: 'p', clientSecret: 's', accessToken: 't' }] },
      keyPrefix: 'smscb_AbCdEfGh',
    };
    expect(redact(logged)).toEqual({
      headers: { 'API-KEY': REDACTED, 'admin-api-key': REDACTED, Authorization: REDACTED, accept: '*/*' },
      body: {
        apiKey: REDACTED,
        nested: [{ key: REDACTED, password: REDACTED, clientSecret: REDACTED, accessToken: REDACTED }],
      },
      keyPrefix: 'smscb_AbCdEfGh',
    });
  });

  it('should replace API keys and bearer credentials inside any text', () => {
    expect(redactText(`key ${key} used; Authorization: Bearer abcdefghijkl`)).toBe(
      `key smscb_${REDACTED} used; Authorization: Bearer ${REDACTED}`,
    );
  });

  it('should not modify what it was given', () => {
    const logged = { apiKey: key };
    redact(logged);
    expect(logged.apiKey).toBe(key);
  });

  it('should turn an error into its type, message and stack, redacted', () => {
    const error = new Error(`bad key ${key}`);
    const result = redact(error) as Record<string, string>;
    expect(result.type).toBe('Error');
    expect(result.message).toBe(`bad key smscb_${REDACTED}`);
    expect(result.stack).not.toContain(key);
  });

  it('should leave other values alone', () => {
    const date = new Date();
    expect(redact({ n: 1, b: true, nil: null, date, apiKey: null })).toEqual({
      n: 1,
      b: true,
      nil: null,
      date,
      apiKey: null,
    });
  });
});
