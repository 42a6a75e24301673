import { setFlagsFromString } from 'node:v8';

/**
 * Sets V8's heap growing factor for the rest of the process (see HEAP_GROWING_PERCENT): V8 reads it each
 * time it sizes the heap after a full collection, so it takes effect from the next one. 0 leaves V8's
 * heuristics alone.
 */
export function applyHeapGrowingPercent(percent: number): void {
  if (percent > 0) {
    setFlagsFromString(`--heap-growing-percent=${percent}`);
  }
}
