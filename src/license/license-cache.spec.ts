import { LicenseOptions } from './license.options';
import { LicenseCache } from './license-cache';
import type { License } from './license.entity';

const config = (ttlMs: number) => new LicenseOptions({ cacheTtlMs: ttlMs });

function aLicense(overrides: Partial<License> = {}): License {
  return {
    id: 'lic-1',
    enterpriseId: 'ent',
    status: 'active',
    validFrom: new Date(0),
    expiresAt: null,
    rateLimitPerSecond: null,
    allowedIps: [],
    ...overrides,
  } as License;
}

describe('LicenseCache', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('should answer from the cache until the TTL passes, then load again', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const cache = new LicenseCache(config(5_000));
    const load = jest.fn(async () => aLicense());
    await cache.get('h', load);
    await cache.get('h', load);
    jest.advanceTimersByTime(4_999);
    await cache.get('h', load);
    expect(load).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(2);
    await cache.get('h', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('should not keep a key that matches no license', async () => {
    const cache = new LicenseCache(config(5_000));
    const load = jest.fn(async () => null);
    expect(await cache.get('h', load)).toBeNull();
    expect(await cache.get('h', load)).toBeNull();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('should load on every call with a TTL of 0', async () => {
    const cache = new LicenseCache(config(0));
    const load = jest.fn(async () => aLicense());
    await cache.get('h', load);
    await cache.get('h', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('should forget a license at once when it is invalidated', async () => {
    const cache = new LicenseCache(config(5_000));
    await cache.get('h', async () => aLicense());
    cache.invalidate('lic-1');
    const fresh = await cache.get('h', async () => aLicense({ status: 'revoked' }));
    expect(fresh?.status).toBe('revoked');
  });

  it('should share one load between concurrent misses', async () => {
    const cache = new LicenseCache(config(5_000));
    let release!: () => void;
    const load = jest.fn(() => new Promise<License>((resolve) => (release = () => resolve(aLicense()))));
    const both = Promise.all([cache.get('h', load), cache.get('h', load)]);
    release();
    const [a, b] = await both;
    expect(load).toHaveBeenCalledTimes(1);
    expect(a).toBe(b);
  });

  it('should not keep what a load in flight during an invalidation read', async () => {
    const cache = new LicenseCache(config(5_000));
    let release!: () => void;
    const stale = cache.get('h', () => new Promise<License>((resolve) => (release = () => resolve(aLicense()))));
    cache.invalidate('lic-1');
    release();
    expect((await stale)?.status).toBe('active');
    const load = jest.fn(async () => aLicense({ status: 'suspended' }));
    expect((await cache.get('h', load))?.status).toBe('suspended');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('should keep a frozen snapshot, not the entity', async () => {
    const cache = new LicenseCache(config(5_000));
    const entity = aLicense({ allowedIps: ['10.0.0.0/8'] });
    const cached = await cache.get('h', async () => entity);
    entity.status = 'revoked';
    expect(cached?.status).toBe('active');
    expect(Object.isFrozen(cached)).toBe(true);
    expect(cached?.allowList.allows('10.1.1.1')).toBe(true);
  });
});
