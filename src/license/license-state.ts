import type { LicenseState } from './dto/license.dto';
import type { License } from './license.entity';

/** Why a real key may not call the API right now (the reason, and the sentence that says it). */
export interface InactiveReason {
  reason: Exclude<LicenseState, 'active'>;
  message: string;
}

/** Why a real key may not call the API right now; `undefined` when it may. */
export function inactiveReason(
  license: Pick<License, 'status' | 'validFrom' | 'expiresAt'>,
  now: Date,
): InactiveReason | undefined {
  const state = stateOf(license, now);
  switch (state) {
    case 'active':
      return undefined;
    case 'revoked':
      return { reason: state, message: 'The license of this API-KEY has been revoked.' };
    case 'suspended':
      return { reason: state, message: 'The license of this API-KEY is suspended.' };
    case 'not_yet_valid':
      return {
        reason: state,
        message: `The license of this API-KEY is not valid before ${license.validFrom.toISOString()}.`,
      };
    case 'expired':
      return { reason: state, message: `The license of this API-KEY expired at ${license.expiresAt?.toISOString()}.` };
  }
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
