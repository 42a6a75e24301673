import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { jsonArrayItems } from '../common/body/json-array-items';
import type { RawJson } from '../common/body/raw-json';

/** The most callbacks one batch may carry (413 above). */
export const MAX_BATCH_ITEMS = 1_000;

/**
 * `@RawJsonBody(SmsCallbackBatchPipe)`: the body of the batch endpoint as its items, each with its exact text.
 * A body that is not a JSON array, or an empty one, is a 400; more than {@link MAX_BATCH_ITEMS} items a 413.
 * The items themselves are validated one by one by the service (an invalid item is answered in its place).
 */
@Injectable()
export class SmsCallbackBatchPipe implements PipeTransform<RawJson, RawJson[]> {
  transform(raw: RawJson): RawJson[] {
    const items = jsonArrayItems(raw);
    if (items === undefined) {
      throw ApiError.field(
        HttpStatus.BAD_REQUEST,
        'body',
        'isArray',
        raw.value === undefined
          ? `The body is missing: send a JSON array of 1 to ${MAX_BATCH_ITEMS} callbacks.`
          : `The body must be a JSON array of 1 to ${MAX_BATCH_ITEMS} callbacks.`,
      );
    }
    if (items.length === 0) {
      throw ApiError.field(
        HttpStatus.BAD_REQUEST,
        'body',
        'arrayNotEmpty',
        `The batch is empty: send 1 to ${MAX_BATCH_ITEMS} callbacks.`,
      );
    }
    if (items.length > MAX_BATCH_ITEMS) {
      throw ApiError.field(
        HttpStatus.PAYLOAD_TOO_LARGE,
        'body',
        'arrayMaxSize',
        `A batch carries at most ${MAX_BATCH_ITEMS} callbacks (received ${items.length}): split it.`,
      );
    }
    return items;
  }
}
