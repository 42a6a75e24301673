import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { AuthenticationError } from '../common/auth-failure';
import { hashApiKey } from './api-key';
import { LicenseCache } from './license-cache';
import { API_KEY_HEADER, type LicenseContext } from './license-context';
import { inactiveReason } from './license-state';
import { LicenseOptions } from './license.options';
import { LicenseRepository } from './license.repository';

/** A license that may call the API now, with what the guards after verification need. */
export interface VerifiedLicense extends LicenseContext {
  /** Requests per second it may make; 0: no limit. */
  rateLimitPerSecond: number;
}

export interface VerifyOptions {
  /** The client address of the request, checked against the license's allow-list. */
  clientIp?: string;
  now?: Date;
}

/** How often `last_used_at` is written for one license: minute precision is enough. */
const LAST_USED_PRECISION_MS = 60_000;

/**
 * The hot path of every vendor request: the license behind a presented key (through {@link LicenseCache}),
 * and whether it may call the API now. The lifecycle (issuing, changes, rotation) is {@link LicenseService}'s.
 */
@Injectable()
export class LicenseVerifier {
  private readonly logger = new Logger('LicenseVerifier');
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly licenses: LicenseRepository,
    private readonly cache: LicenseCache,
    private readonly options: LicenseOptions,
  ) {}

  /**
   * The license behind a presented key, if it may call the API now, from this address. 401 when the key is
   * missing or matches no license; 403, saying why, when the license is not active or the address is not
   * on its allow-list. Answered from the cache when it can: no database round trip.
   */
  async verify(apiKey: string | undefined, options: VerifyOptions = {}): Promise<VerifiedLicense> {
    const now = options.now ?? new Date();
    if (!apiKey) {
      throw new AuthenticationError(
        HttpStatus.UNAUTHORIZED,
        API_KEY_HEADER,
        'missing',
        'isNotEmpty',
        'The API-KEY header is required.',
      );
    }
    const keyHash = hashApiKey(apiKey);
    const license = await this.cache.get(keyHash, () => this.licenses.findByKeyHash(keyHash));
    if (!license) {
      throw new AuthenticationError(
        HttpStatus.UNAUTHORIZED,
        API_KEY_HEADER,
        'unknown',
        'isValid',
        'The API-KEY does not match any license.',
      );
    }
    const inactive = inactiveReason(license, now);
    if (inactive) {
      throw new AuthenticationError(
        HttpStatus.FORBIDDEN,
        API_KEY_HEADER,
        inactive.reason,
        'isActive',
        inactive.message,
      );
    }
    if (options.clientIp !== undefined && !license.allowList.allows(options.clientIp)) {
      throw new AuthenticationError(
        HttpStatus.FORBIDDEN,
        API_KEY_HEADER,
        'is_allowed_address',
        'isAllowedAddress',
        `This API-KEY may not be used from ${options.clientIp}.`,
      );
    }
    this.recordUse(license.id, now);
    return {
      licenseId: license.id,
      enterpriseId: license.enterpriseId,
      rateLimitPerSecond: license.rateLimitPerSecond ?? this.options.defaultRateLimitPerSecond,
    };
  }

  /** Writes `last_used_at` at most once a minute per license, off the request's path. */
  private recordUse(licenseId: string, now: Date): void {
    const last = this.lastUsedWritten.get(licenseId) ?? 0;
    if (now.getTime() - last < LAST_USED_PRECISION_MS) {
      return;
    }
    this.lastUsedWritten.set(licenseId, now.getTime());
    this.licenses.touchLastUsed(licenseId, now).catch((err: unknown) => {
      this.lastUsedWritten.delete(licenseId);
      this.logger.warn(`Could not record the use of license ${licenseId}: ${(err as Error).message}`);
    });
  }
}
