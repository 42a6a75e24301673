import * as v8 from 'node:v8';
import { applyHeapGrowingPercent } from './heap-growth';

jest.mock('node:v8', () => ({ setFlagsFromString: jest.fn() }));

describe('applyHeapGrowingPercent', () => {
  const setFlagsFromString = v8.setFlagsFromString as jest.Mock;

  beforeEach(() => setFlagsFromString.mockClear());

  it("should set V8's heap growing factor", () => {
    applyHeapGrowingPercent(200);
    expect(setFlagsFromString).toHaveBeenCalledWith('--heap-growing-percent=200');
  });

  it("should leave V8's heuristics alone for 0", () => {
    applyHeapGrowingPercent(0);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });
});
