import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { onResponseClosed } from './response-closed';

describe('onResponseClosed', () => {
  it('should run every hook once, in order, on one close listener', () => {
    const res = new EventEmitter() as unknown as ServerResponse;
    const ran: string[] = [];
    onResponseClosed(res, () => ran.push('metrics'));
    onResponseClosed(res, () => ran.push('timeout'));
    onResponseClosed(res, () => ran.push('gate'));
    expect(res.listenerCount('close')).toBe(1);
    res.emit('close');
    res.emit('close');
    expect(ran).toEqual(['metrics', 'timeout', 'gate']);
  });
});
