import { availableParallelism } from 'node:os';
import { environmentProblems } from './env.validation';
import { webConcurrencyOf } from './web-concurrency';

describe('WEB_CONCURRENCY', () => {
  it('should be 1 unset, a number as given, and the cores for auto', () => {
    expect(webConcurrencyOf(undefined)).toBe(1);
    expect(webConcurrencyOf('')).toBe(1);
    expect(webConcurrencyOf(' 3 ')).toBe(3);
    expect(webConcurrencyOf('AUTO')).toBe(availableParallelism());
  });

  it('should need DATABASE_URL for more than one process, and take one without it', () => {
    expect(environmentProblems({ WEB_CONCURRENCY: '2' })).toEqual([
      expect.objectContaining({ variable: 'WEB_CONCURRENCY', message: expect.stringMatching(/needs DATABASE_URL/) }),
    ]);
    expect(environmentProblems({ WEB_CONCURRENCY: '1' })).toEqual([]);
    expect(environmentProblems({ WEB_CONCURRENCY: '2', DATABASE_URL: 'postgresql://db/x' })).toEqual([]);
  });

  it('should refuse anything else, saying what it takes', () => {
    for (const value of ['0', 'two', '-1', '1000']) {
      expect(environmentProblems({ WEB_CONCURRENCY: value, DATABASE_URL: 'postgresql://db/x' })).toEqual([
        { variable: 'WEB_CONCURRENCY', message: expect.stringMatching(/1 to 999, or auto/) },
      ]);
    }
  });
});
