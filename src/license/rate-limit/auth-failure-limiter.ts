import { HttpStatus, Inject, Injectable, Optional } from '@nestjs/common';
import { InjectThrottlerStorage, normalizeIp, type ThrottlerStorage } from '@nestjs/throttler';
import { ApiError } from '../../common/api-error';
import { LicenseOptions } from '../license.options';
import { normalizeClientIp } from '../ip-allow-list';
import type { AuthBlockBroadcast } from './auth-block-broadcast';
import { AUTH_BLOCK_BROADCAST } from './rate-limit-storage.provider';

/** Which credential failed: each has its own counters, so vendors' mistakes never lock the admins out. */
export type AuthScope = 'api-key' | 'admin' | 'metrics';

const MAX_REMEMBERED_BLOCKS = 10_000;

/**
 * The brute-force guard: failed authentications (401) counted per client address (an IPv6 client by its
 * /64) and scope, in the rate-limit storage (Redis when configured: shared by the instances). Past
 * AUTH_FAILURE_LIMIT in AUTH_FAILURE_WINDOW_SECONDS the address is refused with 429 and `Retry-After` for a
 * window, with any key, before any lookup. A block is remembered in memory, so that refusing costs nothing,
 * and with Redis announced to every instance (see {@link RedisAuthBlockBroadcast}): the address is refused
 * by all of them, whatever key it sends there, not only once it fails there too.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    options: LicenseOptions,
    @Optional() @Inject(AUTH_BLOCK_BROADCAST) private readonly broadcast: AuthBlockBroadcast | null = null,
  ) {
    this.limit = options.authFailureLimit;
    this.windowMs = options.authFailureWindowSeconds * 1000;
    this.broadcast?.subscribe((key, ms) => this.remember(key, Date.now() + ms));
  }

  /** 429 when the address is refused for now. */
  assertNotBlocked(scope: AuthScope, clientIp: string): void {
    const key = this.keyOf(scope, clientIp);
    const until = this.blockedUntil.get(key);
    if (until === undefined) {
      return;
    }
    const msLeft = until - Date.now();
    if (msLeft > 0) {
      throw tooManyFailures(scope, Math.ceil(msLeft / 1000));
    }
    this.blockedUntil.delete(key);
  }

  /** Counts a failure; 429 (instead of the 401) when it is one too many. */
  async recordFailure(scope: AuthScope, clientIp: string): Promise<void> {
    if (this.limit === 0) {
      return;
    }
    const key = this.keyOf(scope, clientIp);
    const record = await this.storage.increment(key, this.windowMs, this.limit, this.windowMs, 'auth-failures');
    if (!record.isBlocked) {
      return;
    }
    const seconds = Math.max(1, record.timeToBlockExpire);
    this.remember(key, Date.now() + seconds * 1000);
    this.broadcast?.publish(key, seconds * 1000);
    throw tooManyFailures(scope, seconds);
  }

  private remember(key: string, until: number): void {
    if ((this.blockedUntil.get(key) ?? 0) >= until) {
      return;
    }
    if (this.blockedUntil.size >= MAX_REMEMBERED_BLOCKS) {
      this.forgetExpiredBlocks();
    }
    this.blockedUntil.set(key, until);
  }

  private keyOf(scope: AuthScope, clientIp: string): string {
    return `auth-failures:${scope}:${normalizeIp(normalizeClientIp(clientIp))}`;
  }

  private forgetExpiredBlocks(): void {
    const now = Date.now();
    for (const [key, until] of this.blockedUntil) {
      if (until <= now) {
        this.blockedUntil.delete(key);
      }
    }
  }
}

function tooManyFailures(scope: AuthScope, retryAfterSeconds: number): ApiError {
  const header = scope === 'admin' ? 'ADMIN-API-KEY' : scope === 'metrics' ? 'Authorization' : 'API-KEY';
  const message = `Too many failed authentications from this address: try again in ${retryAfterSeconds} s.`;
  return new ApiError(
    HttpStatus.TOO_MANY_REQUESTS,
    message,
    { [header]: { failedAttempts: message } },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}
