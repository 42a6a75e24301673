import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { generateApiKey, hashApiKey, keyPrefixOf } from './api-key';
import type { LicenseContext } from './license-context';
import { License } from './license.entity';
import { LicenseRepository } from './license.repository';

export interface IssueLicenseInput {
  enterpriseId: string;
  label?: string | null;
  validFrom?: Date;
  expiresAt?: Date | null;
}

export interface IssuedLicense {
  license: License;
  /** The plaintext key: returned once, never stored, never logged. */
  apiKey: string;
}

/** Why a real key may not call the API right now; `undefined` when it may. */
export function inactiveReason(license: License, now: Date): string | undefined {
  if (license.status === 'revoked') {
    return 'The license of this API-KEY has been revoked.';
  }
  if (license.status === 'suspended') {
    return 'The license of this API-KEY is suspended.';
  }
  if (license.validFrom.getTime() > now.getTime()) {
    return `The license of this API-KEY is not valid before ${license.validFrom.toISOString()}.`;
  }
  if (license.expiresAt && license.expiresAt.getTime() <= now.getTime()) {
    return `The license of this API-KEY expired at ${license.expiresAt.toISOString()}.`;
  }
  return undefined;
}

/** How often `last_used_at` is written for one license: minute precision is enough. */
const LAST_USED_PRECISION_MS = 60_000;

@Injectable()
export class LicenseService {
  private readonly logger = new Logger(LicenseService.name);
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(private readonly licenses: LicenseRepository) {}

  async issue(input: IssueLicenseInput): Promise<IssuedLicense> {
    if (input.expiresAt && input.expiresAt.getTime() <= (input.validFrom ?? new Date()).getTime()) {
      throw ApiError.field(
        HttpStatus.BAD_REQUEST,
        'expiresAt',
        'isAfterValidFrom',
        'expiresAt must be after validFrom.',
      );
    }
    const apiKey = generateApiKey();
    const license = await this.licenses.create({
      enterpriseId: input.enterpriseId,
      label: input.label ?? null,
      keyPrefix: keyPrefixOf(apiKey),
      keyHash: hashApiKey(apiKey),
      validFrom: input.validFrom,
      expiresAt: input.expiresAt ?? null,
    });
    this.logger.log(`Issued license ${license.id} (${license.keyPrefix}…) for enterprise ${license.enterpriseId}`);
    return { license, apiKey };
  }

  list(filter: { enterpriseId?: string } = {}): Promise<License[]> {
    return this.licenses.findAll(filter);
  }

  async get(id: string): Promise<License> {
    const license = await this.licenses.findById(id);
    if (!license) {
      throw ApiError.field(HttpStatus.NOT_FOUND, 'id', 'exists', `No license ${id}.`);
    }
    return license;
  }

  /** Revocation is final. Revoking a revoked license changes nothing. */
  async revoke(id: string): Promise<License> {
    const license = await this.get(id);
    if (license.status !== 'revoked') {
      await this.licenses.setStatus(id, 'revoked');
      this.logger.log(`Revoked license ${id} (${license.keyPrefix}…)`);
    }
    return this.get(id);
  }

  /**
   * The license behind a presented key, if it may call the API now. 401 when the key is missing or
   * matches no license; 403, saying why, when the license is not active.
   */
  async verify(apiKey: string | undefined, now = new Date()): Promise<LicenseContext> {
    if (!apiKey) {
      throw ApiError.field(HttpStatus.UNAUTHORIZED, 'API-KEY', 'isNotEmpty', 'The API-KEY header is required.');
    }
    const license = await this.licenses.findByKeyHash(hashApiKey(apiKey));
    if (!license) {
      throw ApiError.field(HttpStatus.UNAUTHORIZED, 'API-KEY', 'isValid', 'The API-KEY does not match any license.');
    }
    const reason = inactiveReason(license, now);
    if (reason) {
      throw ApiError.field(HttpStatus.FORBIDDEN, 'API-KEY', 'isActive', reason);
    }
    this.recordUse(license.id, now);
    return { licenseId: license.id, enterpriseId: license.enterpriseId };
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
