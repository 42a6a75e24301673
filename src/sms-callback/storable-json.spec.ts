import { MAX_JSON_DEPTH, unstorableJsonReason } from './storable-json';

describe('unstorableJsonReason', () => {
  it('should accept ordinary bodies, unicode included', () => {
    expect(unstorableJsonReason({ msisdn: '84912345678', note: 'Tin nhắn đã gửi ✓ 📱', n: [1, { a: null }] })).toBe(
      undefined,
    );
  });

  it('should name the field holding a NUL character', () => {
    expect(unstorableJsonReason({ meta: { tag: 'a\u0000b' } })).toEqual({
      'meta.tag': { noNulCharacter: expect.any(String) },
    });
  });

  it('should refuse a NUL character in a key', () => {
    expect(unstorableJsonReason({ 'a\u0000': 1 })).toEqual({ body: { noNulCharacter: expect.any(String) } });
  });

  it('should refuse a lone surrogate', () => {
    expect(unstorableJsonReason({ msisdn: '\ud800' })).toEqual({ msisdn: { isWellFormed: expect.any(String) } });
  });

  it('should accept nesting up to the limit and refuse it beyond', () => {
    const nest = (depth: number): unknown => (depth === 0 ? 1 : { a: nest(depth - 1) });
    expect(unstorableJsonReason(nest(MAX_JSON_DEPTH - 1))).toBe(undefined);
    expect(unstorableJsonReason(nest(MAX_JSON_DEPTH + 1))).toEqual({ body: { maxDepth: expect.any(String) } });
  });

  it('should not overflow the stack on a very deep body', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) {
      deep = [deep];
    }
    expect(unstorableJsonReason({ deep })).toEqual({ body: { maxDepth: expect.any(String) } });
  });
});
