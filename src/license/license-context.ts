/** What a guarded request knows about the key that authenticated it. */
export interface LicenseContext {
  licenseId: string;
  enterpriseId: string;
}
