import { CanActivate, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { JSON_BODY_KEY, JSON_BODY_LIMITS, JsonBodyGuard } from '../common/body/json-body.guard';
import type { JsonBodyLimits } from '../common/body/json-body-reader';
import { ApiKeyGuard } from './api-key.guard';
import type { LicensedRequest } from './license-context';
import { LicenseItemsRateLimitGuard, MAX_ITEMS_KEY } from './rate-limit/license-items-rate-limit.guard';
import { LicenseRateLimitGuard } from './rate-limit/license-rate-limit.guard';

/** What a route asks of the guard beyond the key and the rate limit (read once per handler). */
interface RouteSteps {
  jsonBody: boolean;
  countsItems: boolean;
}

/**
 * The one guard of `@ApiKeyAuth()`: the checks of a vendor route in their order, in one guard instead of one
 * each (every guard is another promise and another await in Nest's pipeline, on every request): the
 * `API-KEY` ({@link ApiKeyGuard}: 401/403, 429 for an address with too many failures), the license's
 * requests per second ({@link LicenseRateLimitGuard}, only for a license with a limit), then, on a route
 * with `@JsonBody()`, its body ({@link JsonBodyGuard}: never read for a refused key) and, on a route with
 * `@RateLimitCountsItems()`, the items of the array ({@link LicenseItemsRateLimitGuard}). The JsonBodyGuard
 * that `@JsonBody()` adds after it then finds the body read and passes at once.
 */
@Injectable()
export class LicenseGuard implements CanActivate {
  private readonly body: JsonBodyGuard;
  private readonly stepsByHandler = new Map<unknown, RouteSteps>();

  constructor(
    private readonly apiKey: ApiKeyGuard,
    private readonly rateLimit: LicenseRateLimitGuard,
    private readonly items: LicenseItemsRateLimitGuard,
    private readonly reflector: Reflector,
    moduleRef: ModuleRef,
    @Optional() @Inject(JSON_BODY_LIMITS) limits: JsonBodyLimits | null = null,
  ) {
    this.body = new JsonBodyGuard(reflector, moduleRef, limits);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!(await this.apiKey.canActivate(context))) {
      return false;
    }
    const limited = Boolean(context.switchToHttp().getRequest<LicensedRequest>().licenseRateLimit);
    if (limited && !(await this.rateLimit.canActivate(context))) {
      return false;
    }
    const steps = this.stepsOf(context);
    if (steps.jsonBody) {
      const read = this.body.canActivate(context);
      if (read !== true && !(await read)) {
        return false;
      }
    }
    return !(limited && steps.countsItems) || this.items.canActivate(context);
  }

  private stepsOf(context: ExecutionContext): RouteSteps {
    const handler = context.getHandler();
    let steps = this.stepsByHandler.get(handler);
    if (steps === undefined) {
      steps = {
        jsonBody: this.reflector.get<boolean | undefined>(JSON_BODY_KEY, handler) === true,
        countsItems: this.reflector.get<number | undefined>(MAX_ITEMS_KEY, handler) !== undefined,
      };
      this.stepsByHandler.set(handler, steps);
    }
    return steps;
  }
}
