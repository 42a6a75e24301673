import { Injectable } from '@nestjs/common';
import { LicenseOptions } from './license.options';
import { AllowList } from './ip-allow-list';
import type { License, LicenseStatus } from './license.entity';

/** What verification needs of a license: a snapshot, never handed out for changes. */
export interface CachedLicense {
  readonly id: string;
  readonly enterpriseId: string;
  readonly status: LicenseStatus;
  readonly validFrom: Date;
  readonly expiresAt: Date | null;
  readonly rateLimitPerSecond: number | null;
  readonly allowList: AllowList;
}

export function snapshotOf(license: License): CachedLicense {
  return Object.freeze({
    id: license.id,
    enterpriseId: license.enterpriseId,
    status: license.status,
    validFrom: license.validFrom,
    expiresAt: license.expiresAt,
    rateLimitPerSecond: license.rateLimitPerSecond,
    allowList: new AllowList(license.allowedIps ?? []),
  });
}

/** A bound on memory: past it, the oldest entries go first. */
const MAX_ENTRIES = 10_000;

interface Entry {
  license: CachedLicense;
  expiresAt: number;
}

/**
 * Verified licenses by key hash, for at most LICENSE_CACHE_TTL_MS (<= 5 s; 0 disables the cache), so that
 * a request does not cost a database round trip. Only found licenses are kept, whatever their status:
 * whether one may call the API is decided on each request, so expiry takes effect on time.
 *
 * A change made on this instance evicts the license at once ({@link invalidate}); other instances evict it
 * when they hear of the change, within a second (`LicenseChangeListener`), or when their entry expires. Concurrent misses for one key share one query, and a query
 * that was in flight during an invalidation does not fill the cache with what it read.
 */
@Injectable()
export class LicenseCache {
  private readonly ttlMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly hashById = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<CachedLicense | null>>();
  private generation = 0;

  constructor(options: LicenseOptions) {
    this.ttlMs = options.cacheTtlMs;
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** The license of this key hash: from the cache while fresh, otherwise from `load` (then kept). */
  async get(keyHash: string, load: () => Promise<License | null>): Promise<CachedLicense | null> {
    if (!this.enabled) {
      const license = await load();
      return license ? snapshotOf(license) : null;
    }
    const entry = this.entries.get(keyHash);
    if (entry && entry.expiresAt > Date.now()) {
      return entry.license;
    }
    const pending = this.inFlight.get(keyHash);
    if (pending) {
      return pending;
    }
    const generation = this.generation;
    const query = load()
      .then((license) => {
        const snapshot = license ? snapshotOf(license) : null;
        if (snapshot && generation === this.generation) {
          this.store(keyHash, snapshot);
        }
        return snapshot;
      })
      .finally(() => {
        if (this.inFlight.get(keyHash) === query) {
          this.inFlight.delete(keyHash);
        }
      });
    this.inFlight.set(keyHash, query);
    return query;
  }

  /** Forgets a license (after any change to it), and any lookup in flight. */
  invalidate(licenseId: string): void {
    this.generation++;
    this.inFlight.clear();
    const keyHash = this.hashById.get(licenseId);
    if (keyHash !== undefined) {
      this.entries.delete(keyHash);
      this.hashById.delete(licenseId);
    }
  }

  clear(): void {
    this.generation++;
    this.inFlight.clear();
    this.entries.clear();
    this.hashById.clear();
  }

  private store(keyHash: string, license: CachedLicense): void {
    this.entries.delete(keyHash);
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.entries().next().value;
      if (oldest) {
        this.entries.delete(oldest[0]);
        this.hashById.delete(oldest[1].license.id);
      }
    }
    this.entries.set(keyHash, { license, expiresAt: Date.now() + this.ttlMs });
    this.hashById.set(license.id, keyHash);
  }
}
