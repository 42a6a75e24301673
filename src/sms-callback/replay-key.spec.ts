import { ReplayIdentity, replayKeyOf } from './replay-key';

const base: ReplayIdentity = {
  msisdn: '84912345678',
  requestId: 'req-1',
  sendTime: new Date('2025-05-01T10:15:30Z'),
  responseTimeTelco: new Date('2025-05-01T10:15:32Z'),
  status: 0,
  referentId: 'ref-1',
  retryCount: 0,
};

describe('replayKeyOf', () => {
  it('should give 32 bytes, the same for the same values', () => {
    const key = replayKeyOf(base);
    expect(key).toHaveLength(32);
    expect(replayKeyOf({ ...base, sendTime: new Date(base.sendTime.getTime()) }).equals(key)).toBe(true);
  });

  it.each<Partial<ReplayIdentity>>([
    { msisdn: '84912345679' },
    { requestId: 'req-2' },
    { sendTime: new Date('2025-05-01T10:15:31Z') },
    { responseTimeTelco: null },
    { status: null },
    { status: 1 },
    { referentId: 'ref-2' },
    { retryCount: 1 },
  ])('should differ when %j differs', (change) => {
    expect(replayKeyOf({ ...base, ...change }).equals(replayKeyOf(base))).toBe(false);
  });

  it('should not confuse values that run into each other', () => {
    const a = replayKeyOf({ ...base, requestId: 'ab', referentId: 'c' });
    const b = replayKeyOf({ ...base, requestId: 'a', referentId: 'bc' });
    expect(a.equals(b)).toBe(false);
  });
});
