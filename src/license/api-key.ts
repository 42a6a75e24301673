import { hash, randomBytes } from 'node:crypto';

/** Every key starts with this, so a leaked one is recognisable (and greppable by secret scanners). */
export const API_KEY_PREFIX = 'smscb_';
/** How many leading characters of a key are kept (and shown) to tell keys apart. */
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

/** A new key: the prefix and 256 random bits, base64url. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(apiKey: string): string {
  // One-shot SHA-256 (UTF-8): on every request, so no Hash object to create, update and finish.
  return hash('sha256', apiKey, 'hex');
}

export function keyPrefixOf(apiKey: string): string {
  return apiKey.slice(0, SHOWN_PREFIX_LENGTH);
}
