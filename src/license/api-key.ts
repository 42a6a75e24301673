import { createHash, randomBytes } from 'node:crypto';

/** Every key starts with this, so a leaked one is recognisable (and greppable by secret scanners). */
export const API_KEY_PREFIX = 'smscb_';
/** How many leading characters of a key are kept (and shown) to tell keys apart. */
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

/** A new key: the prefix and 256 random bits, base64url. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

export function keyPrefixOf(apiKey: string): string {
  return apiKey.slice(0, SHOWN_PREFIX_LENGTH);
}
