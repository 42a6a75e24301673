import { API_KEY_PREFIX, generateApiKey, hashApiKey, keyPrefixOf } from './api-key';

describe('API keys', () => {
  it('should start with the recognisable prefix and carry 256 random bits in base64url', () => {
    const key = generateApiKey();
    expect(key).toMatch(new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{43}$`));
    expect(Buffer.from(key.slice(API_KEY_PREFIX.length), 'base64url')).toHaveLength(32);
  });

  it('should never repeat', () => {
    const keys = new Set(Array.from({ length: 1000 }, generateApiKey));
    expect(keys.size).toBe(1000);
  });

  it('should hash to hex SHA-256, different for different keys', () => {
    const key = generateApiKey();
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).toBe(hashApiKey(key));
    expect(hashApiKey(key)).not.toBe(hashApiKey(`${key}x`));
  });

  it('should show a prefix that identifies a key without revealing it', () => {
    const key = generateApiKey();
    const prefix = keyPrefixOf(key);
    expect(key.startsWith(prefix)).toBe(true);
    expect(prefix.length).toBeLessThanOrEqual(API_KEY_PREFIX.length + 8);
  });
});
