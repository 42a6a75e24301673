import { Controller, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { JsonBody } from '../common/body/json-body.guard';
import type { ApiKeyGuard } from './api-key.guard';
import { LicenseGuard } from './license.guard';
import type { LicensedRequest } from './license-context';
import { RateLimitCountsItems } from './rate-limit/license-items-rate-limit.guard';
import type { LicenseItemsRateLimitGuard } from './rate-limit/license-items-rate-limit.guard';
import type { LicenseRateLimitGuard } from './rate-limit/license-rate-limit.guard';

@Controller()
class Routes {
  @Post('plain')
  plain(): void {}

  @Post('single')
  @JsonBody()
  single(): void {}

  @Post('batch')
  @RateLimitCountsItems(100)
  @JsonBody()
  batch(): void {}
}

const BODY = '{"a":1}';

/** A request whose body has arrived with its headers, and the steps the guard took, in order. */
function setUp(rateLimit: number, { keyRefused = false } = {}) {
  const steps: string[] = [];
  const request = {
    headers: { 'content-type': 'application/json', 'content-length': String(BODY.length) },
    method: 'POST',
    complete: true,
    on(event: string, listener: (arg?: unknown) => void) {
      steps.push(`body ${event}`);
      if (event === 'end') {
        setImmediate(() => listener());
      } else if (event === 'data') {
        setImmediate(() => listener(Buffer.from(BODY)));
      }
      return this;
    },
    off() {
      return this;
    },
  } as unknown as LicensedRequest;
  const apiKey = {
    canActivate: async () => {
      steps.push('key');
      if (keyRefused) {
        throw new Error('401');
      }
      request.license = { licenseId: 'l', enterpriseId: 'e' };
      request.licenseRateLimit = rateLimit;
      return true;
    },
  } as unknown as ApiKeyGuard;
  const limiter = { canActivate: async () => (steps.push('rate limit'), true) } as unknown as LicenseRateLimitGuard;
  const items = {
    canActivate: async () => (steps.push(request.body === undefined ? 'items before the body' : 'items'), true),
  } as unknown as LicenseItemsRateLimitGuard;
  const guard = new LicenseGuard(apiKey, limiter, items, new Reflector(), {} as ModuleRef);
  const contextOf = (handler: keyof Routes): ExecutionContext =>
    ({
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }),
      getHandler: () => Routes.prototype[handler],
      getClass: () => Routes,
    }) as unknown as ExecutionContext;
  return { guard, steps, request, contextOf };
}

describe('LicenseGuard', () => {
  it('should check only the key on a route without a body, for a license without a limit', async () => {
    const { guard, steps, contextOf } = setUp(0);
    await expect(guard.canActivate(contextOf('plain'))).resolves.toBe(true);
    expect(steps).toEqual(['key']);
  });

  it('should read the body after the key, and skip the rate limit of a license without one', async () => {
    const { guard, steps, request, contextOf } = setUp(0);
    await expect(guard.canActivate(contextOf('single'))).resolves.toBe(true);
    expect(steps[0]).toBe('key');
    expect(steps).not.toContain('rate limit');
    expect(steps.filter((s) => s.startsWith('body')).length).toBeGreaterThan(0);
    expect(request.body).toEqual({ a: 1 });
  });

  it('should never read the body when the key is refused', async () => {
    const { guard, steps, contextOf } = setUp(0, { keyRefused: true });
    await expect(guard.canActivate(contextOf('single'))).rejects.toThrow('401');
    expect(steps).toEqual(['key']);
  });

  it("should count a batch's items after its body is read, for a license with a limit", async () => {
    const { guard, steps, contextOf } = setUp(10);
    await expect(guard.canActivate(contextOf('batch'))).resolves.toBe(true);
    expect(steps[0]).toBe('key');
    expect(steps[1]).toBe('rate limit');
    expect(steps[steps.length - 1]).toBe('items');
    expect(steps.indexOf('rate limit')).toBeLessThan(steps.findIndex((s) => s.startsWith('body')));
  });
});
