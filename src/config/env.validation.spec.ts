import { environmentProblems, InvalidEnvironmentError, validateEnv } from './env.validation';

describe('validateEnv', () => {
  it('should fill in the defaults', () => {
    const env = validateEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      EMBEDDED_DB_DIR: './data/pglite',
      BODY_LIMIT: '64kb',
      CALLBACK_TIMEZONE: 'Asia/Ho_Chi_Minh',
      DEFAULT_COUNTRY_CODE: '84',
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('should leave the stream off unless BROKER_URL is set, with the exchange sms-callback', () => {
    expect(validateEnv({ BROKER_URL: '' })).toMatchObject({ BROKER_URL: undefined, BROKER_EXCHANGE: 'sms-callback' });
    expect(validateEnv({ BROKER_URL: 'amqp://u:p@127.0.0.1:5672' }).BROKER_URL).toBe('amqp://u:p@127.0.0.1:5672');
  });

  it('should name a bad URL without its credentials', () => {
    const attempt = () => validateEnv({ BROKER_URL: 'http://user:s3cret@127.0.0.1:5672' });
    expect(attempt).toThrow(/BROKER_URL must be an amqp:\/\/ or amqps:\/\/ URL/);
    expect(attempt).not.toThrow(/s3cret/);
  });

  it('should read numbers from strings and treat an empty DATABASE_URL as unset', () => {
    const env = validateEnv({ PORT: '8080', DB_POOL_SIZE: '4', DATABASE_URL: '' });
    expect(env.PORT).toBe(8080);
    expect(env.DB_POOL_SIZE).toBe(4);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DB_POOL_SIZE', '0'],
    ['BODY_LIMIT', 'huge'],
    ['CALLBACK_TIMEZONE', 'Mars/Olympus'],
    ['DEFAULT_COUNTRY_CODE', '999'],
    ['LOG_LEVEL', 'chatty'],
    ['HEAP_GROWING_PERCENT', '-5'],
    ['HEAP_GROWING_PERCENT', 'lots'],
    ['BROKER_URL', 'http://127.0.0.1:5672'],
    ['BROKER_EXCHANGE', 'sms callback'],
    ['BROKER_BACKLOG_WARN_THRESHOLD', '0'],
  ])('should stop with a message naming %s when it is %s', (name, value) => {
    expect(() => validateEnv({ [name]: value })).toThrow(new RegExp(`^Invalid environment: ${name} `));
  });

  it('should say one thing per bad variable: the type before the range, with the value', () => {
    expect(environmentProblems({ PORT: 'abc', LOG_LEVEL: 'chatty', DB_POOL_SIZE: '0' })).toEqual([
      { variable: 'PORT', message: 'PORT must be an integer number (got "abc").' },
      { variable: 'DB_POOL_SIZE', message: 'DB_POOL_SIZE must not be less than 1 (got "0").' },
      {
        variable: 'LOG_LEVEL',
        message: expect.stringMatching(/^LOG_LEVEL must be one of the following values: .* \(got "chatty"\)\.$/),
      },
    ]);
  });

  it.each([
    ['ADMIN_API_KEY', 'short-but-secret-admin-key'],
    ['METRICS_TOKEN', 'tok en'],
    ['DATABASE_URL', 'mysql://admin:hunter2@db.internal/callbacks'],
    ['REDIS_URL', 'http://user:hunter2@cache.internal:6379'],
  ])('should name %s but never repeat its value', (name, value) => {
    const error = (() => {
      try {
        validateEnv({ [name]: value });
      } catch (err) {
        return err as InvalidEnvironmentError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    expect(error.problems.map((problem) => problem.variable)).toEqual([name]);
    expect(error.message).toContain(name);
    for (const part of [value, 'hunter2', 'secret']) {
      expect(error.message).not.toContain(part);
    }
  });
});
