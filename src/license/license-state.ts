import type { LicenseState } from './dto/license.dto';
import type { License } from './license.entity';

/** Why a real key may not call the API right now; `undefined` when it may. */
export function inactiveReason(
  license: Pick<License, 'status' | 'validFrom' | 'expiresAt'>,
  now: Date,
): string | undefined {
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

/** The state the API shows: the status, or why an active license may not be used now. */
export function stateOf(license: Pick<License, 'status' | 'validFrom' | 'expiresAt'>, now: Date): LicenseState {
  if (license.status !== 'active') {
    return license.status;
  }
  if (license.validFrom.getTime() > now.getTime()) {
    return 'not_yet_valid';
  }
  if (license.expiresAt && license.expiresAt.getTime() <= now.getTime()) {
    return 'expired';
  }
  return 'active';
}
