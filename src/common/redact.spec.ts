import { holdsSecret, REDACTED, redact, redactText, redactUrl } from './redact';

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

  describe('redactUrl', () => {
    it('should replace the values of secret-named query parameters, whatever they hold', () => {
      expect(redactUrl('/x?page=2&apiKey=abc&API-KEY=def&access_token=ghi&password=p%20w')).toBe(
        `/x?page=2&apiKey=${REDACTED}&API-KEY=${REDACTED}&access_token=${REDACTED}&password=${REDACTED}`,
      );
    });

    it('should replace an API key anywhere in the path or the query, as written or percent-encoded', () => {
      expect(redactUrl(`/x/${key}?q=${key}`)).toBe(`/x/smscb_${REDACTED}?q=smscb_${REDACTED}`);
      expect(redactUrl(`/x?q=${key.replace('_', '%5F')}`)).toBe(`/x?q=smscb_${REDACTED}`);
    });

    it('should leave a URL without secrets exactly as it is', () => {
      const url = '/api/vendor/v1/sms/callback?msisdn=%2B84912345678&from=2025-01-01T00%3A00%3A00Z&page=1';
      expect(redactUrl(url)).toBe(url);
    });
  });

  it('should tell text that holds a key or a bearer credential', () => {
    expect(holdsSecret(key)).toBe(true);
    expect(holdsSecret(key.replace('_', '%5F'))).toBe(true);
    expect(holdsSecret('Bearer abcdefghijkl')).toBe(true);
    expect(holdsSecret('vendor-req-42')).toBe(false);
  });
});
