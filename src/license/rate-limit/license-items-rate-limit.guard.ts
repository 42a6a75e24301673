import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import type { Response } from 'express';
import type { LicensedRequest } from '../license-context';
import { licenseRateLimitKey, tooManyRequests } from './license-rate-limit.guard';

export const MAX_ITEMS_KEY = 'license:rate-limit-max-items';
/** The per-license window: the throttler's (see RateLimitModule), one second, blocked for as long once over. */
const WINDOW_MS = 1_000;
const THROTTLER_NAME = 'default';

type Storage = ThrottlerStorage & {
  incrementBy?(
    ...args: [...Parameters<ThrottlerStorage['increment']>, number]
  ): ReturnType<ThrottlerStorage['increment']>;
};

/**
 * For a route whose JSON body is an array of items (a batch): each item counts against the license's requests
 * per second, not the request. {@link LicenseRateLimitGuard} counted the request (one) before the body was
 * read; this counts the other items once it is, as the last step of the guard of `@ApiKeyAuth()`. A body that is not an array of
 * 2..`maxItems` items counts as one (the route refuses it anyway). Over the limit: the same 429 as a single
 * request's, with `Retry-After`, and nothing is done.
 */
@Injectable()
export class LicenseItemsRateLimitGuard implements CanActivate {
  constructor(
    @InjectThrottlerStorage() private readonly storage: Storage,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<LicensedRequest>();
    const limit = request.licenseRateLimit ?? 0;
    const maxItems = this.reflector.get<number>(MAX_ITEMS_KEY, context.getHandler());
    const body: unknown = request.body;
    if (limit === 0 || !Array.isArray(body) || body.length < 2 || body.length > maxItems) {
      return true;
    }
    const key = licenseRateLimitKey(request.license.licenseId);
    const extra = body.length - 1;
    const record = this.storage.incrementBy
      ? await this.storage.incrementBy(key, WINDOW_MS, limit, WINDOW_MS, THROTTLER_NAME, extra)
      : await this.countOneByOne(key, limit, extra);
    if (record.isBlocked) {
      throw tooManyRequests(limit, record.timeToBlockExpire, true);
    }
    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - record.totalHits)));
    return true;
  }

  /** The in-memory storage counts one hit at a time (until the key is blocked). */
  private async countOneByOne(key: string, limit: number, hits: number): ReturnType<ThrottlerStorage['increment']> {
    let record = await this.storage.increment(key, WINDOW_MS, limit, WINDOW_MS, THROTTLER_NAME);
    for (let i = 1; i < hits && !record.isBlocked; i++) {
      record = await this.storage.increment(key, WINDOW_MS, limit, WINDOW_MS, THROTTLER_NAME);
    }
    return record;
  }
}

/**
 * The route's body is a JSON array whose items each count against the license's rate limit (at most
 * `maxItems` of them are counted: a longer body is refused by the route): counted by the guard of
 * `@ApiKeyAuth()` once `@JsonBody()`'s body is read.
 */
export function RateLimitCountsItems(maxItems: number): MethodDecorator {
  return SetMetadata(MAX_ITEMS_KEY, maxItems);
}
