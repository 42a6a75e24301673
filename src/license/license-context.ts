import type { Request } from 'express';

/** What a guarded request knows about the key that authenticated it. */
export interface LicenseContext {
  licenseId: string;
  enterpriseId: string;
}

/** The header that carries a vendor's key. */
export const API_KEY_HEADER = 'API-KEY';

/** A request that passed the API-KEY check (`ApiKeyGuard`). */
export interface LicensedRequest extends Request {
  license: LicenseContext;
  /** Requests per second the license may make (0: no limit), for the rate-limit guard that follows. */
  licenseRateLimit?: number;
}
