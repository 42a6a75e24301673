import { isDatabaseTimeout, isDatabaseUnavailable } from './database-errors';

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['a server shutting down', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    ['a connection exception class 08', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a statement timeout', Object.assign(new Error('canceling statement'), { code: '57014' })],
    ['a TypeORM error wrapping a driver error', { message: 'Query failed', driverError: { code: 'ECONNRESET' } }],
    ['an error with a cause', new Error('outer', { cause: Object.assign(new Error('inner'), { code: '53300' }) })],
  ])('should say yes for %s', (_case, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a syntax error', Object.assign(new Error('syntax error'), { code: '42601' })],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['nothing', undefined],
  ])('should say no for %s', (_case, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('isDatabaseTimeout', () => {
  it.each([
    [
      'a statement timeout',
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
    ],
    ['the client giving up (query_timeout)', new Error('Query read timeout')],
    ['a TypeORM error wrapping a statement timeout', { message: 'Query failed', driverError: { code: '57014' } }],
  ])('should say yes for %s, which is also "unavailable"', (_case, error) => {
    expect(isDatabaseTimeout(error)).toBe(true);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a lock timeout', Object.assign(new Error('lock timeout'), { code: '55P03' })],
    ['nothing', undefined],
  ])('should say no for %s', (_case, error) => {
    expect(isDatabaseTimeout(error)).toBe(false);
  });
});
