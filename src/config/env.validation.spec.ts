import { validateEnv } from './env.validation';

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
    expect(attempt).toThrow(/BROKER_URL="http:\/\/\*\*\*@127\.0\.0\.1:5672"/);
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
    expect(() => validateEnv({ [name]: value })).toThrow(new RegExp(`${name}=`));
  });
});
