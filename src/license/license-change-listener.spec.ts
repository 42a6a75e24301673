import type { DataSource } from 'typeorm';
import type { LicenseCache } from './license-cache';
import { LicenseChangeListener } from './license-change-listener';
import type { LicenseRepository } from './license.repository';

describe('LicenseChangeListener', () => {
  // Nothing listens on port 1: LISTEN fails at once and the listener falls back to polling.
  const dataSource = { options: { host: '127.0.0.1', port: 1, database: 'none' } } as unknown as DataSource;
  let listener: LicenseChangeListener;
  let events: string[];

  afterEach(async () => {
    await listener.onApplicationShutdown();
  });

  it('should forget the licenses cached while it was starting once it polls, and on every change after', async () => {
    events = [];
    let mark = 'before';
    const licenses = {
      changeMark: async () => {
        events.push(`mark ${mark}`);
        return mark;
      },
    } as unknown as LicenseRepository;
    const cache = { enabled: true, clear: () => events.push('clear') } as unknown as LicenseCache;
    listener = new LicenseChangeListener(dataSource, licenses, cache);

    listener.onApplicationBootstrap();
    await expect(listener.started).resolves.toBe('polling');
    // A license suspended (by the CLI, say) while the probe ran is no longer served from the cache.
    expect(events).toEqual(['mark before', 'clear']);

    mark = 'after';
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(events.slice(2)).toEqual(expect.arrayContaining(['mark after', 'clear']));
    expect(events.filter((event) => event === 'clear')).toHaveLength(2);
  });
});
