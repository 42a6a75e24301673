import { availableParallelism } from 'node:os';

/** WEB_CONCURRENCY as a number of processes: `auto` = the cores available to this process; unset = 1. */
export function webConcurrencyOf(value: string | undefined): number {
  const trimmed = (value ?? '').trim();
  if (trimmed === '') {
    return 1;
  }
  if (trimmed.toLowerCase() === 'auto') {
    return availableParallelism();
  }
  return Number(trimmed);
}
