import { STATUS_CODES } from 'node:http';

/** `errors` of the envelope: per field (or `API-KEY`, `body`, ...), `{ rule: message }`. */
export type FieldErrors = Record<string, Record<string, string>>;

/** The platform's standard response body, on every route, success or error. */
export interface Envelope<T = unknown> {
  code: number;
  data: T | null;
  message: string;
  errors: FieldErrors | null;
  total_record: number;
  current_page: number;
}

/** The response header that says `total_record` is a cap, not the exact number of matching records. */
export const TOTAL_CAPPED_HEADER = 'Total-Record-Capped';

/** A page of results: the envelope's `data` becomes `items`, with `total_record` and `current_page`. */
export class Page<T> {
  constructor(
    readonly items: T[],
    readonly total: number,
    readonly page: number,
    /** True when more records match than `total` says: the count stopped there (header {@link TOTAL_CAPPED_HEADER}). */
    readonly totalCapped = false,
  ) {}
}

export function statusText(code: number): string {
  return STATUS_CODES[code] ?? 'Error';
}

export function successEnvelope<T>(code: number, data: T | Page<T>, message = statusText(code)): Envelope<T | T[]> {
  if (data instanceof Page) {
    return { code, data: data.items, message, errors: null, total_record: data.total, current_page: data.page };
  }
  return { code, data: data ?? null, message, errors: null, total_record: 1, current_page: 1 };
}

export function errorEnvelope(code: number, message: string, errors: FieldErrors | null = null): Envelope<null> {
  return { code, data: null, message, errors, total_record: 0, current_page: 0 };
}
