import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { RawJson } from '../common/body/raw-json';
import type { FieldErrors } from '../common/envelope';
import { AppValidationPipe } from '../common/pipes/validation.pipe';
import { CallbackNormalizer, CallbackValuesToRead, NormalizedCallback } from './callback-normalizer';
import { CreateSmsCallbackDto, plainlyValidSmsCallback } from './dto/create-sms-callback.dto';
import { unstorableJsonReason } from './storable-json';

/** A callback body that passed every rule: what {@link SmsCallbackService.store} takes. */
export interface ValidSmsCallback {
  /** The seven fields, typed (digits in a string read as numbers); unknown fields dropped. */
  dto: CreateSmsCallbackDto;
  /** The phone number and the times, read. */
  normalized: NormalizedCallback;
  /** The body as received, unknown fields included: its exact text is stored as the raw body. */
  rawBody: RawJson;
}

export type SmsCallbackValidation = { valid: ValidSmsCallback; errors?: undefined } | { errors: FieldErrors };

/** The body's fields in the spec's order: the order of `errors` in a 400. */
const FIELD_ORDER = ['msisdn', 'requestId', 'sendTime', 'responseTimeTelco', 'status', 'referentId', 'retryCount'];
const BODY_TYPE = { type: 'body', metatype: CreateSmsCallbackDto, data: undefined } as const;

/**
 * Validates one delivery-report body in one pass, so that a 400 names every bad field at once: the DTO's
 * rules (types, lengths, ranges: class-validator, or its fast path for plainly valid bodies), the reading of
 * the phone number and the times of the fields that passed them, and the text PostgreSQL could not store.
 * Each value is read once: the numbers by the DTO's transform, the number and the times here, and the
 * result is what the service stores.
 */
@Injectable()
export class SmsCallbackValidator {
  private readonly dtoRules = new AppValidationPipe();

  constructor(private readonly normalizer: CallbackNormalizer) {}

  /**
   * Body in (its exact text too, when it was read from a request: else the body is serialised), the valid
   * callback or the field errors out (never throws for a bad body).
   */
  async validate(body: unknown, raw?: RawJson): Promise<SmsCallbackValidation> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { errors: { body: { isObject: this.notAnObject(body) } } };
    }
    const rawBody = body as Record<string, unknown>;
    const errors: FieldErrors = {};
    const unstorable = unstorableJsonReason(rawBody);
    if (unstorable) {
      Object.assign(errors, unstorable);
    }
    // A plainly valid body needs no promise (the fast path); any other goes through class-validator.
    const dto = plainlyValidSmsCallback(rawBody) ?? (await this.dtoRulesOf(rawBody, errors));
    // Only the values that passed their field's rules are read; those are strings as sent.
    const toRead: CallbackValuesToRead = {};
    for (const field of ['msisdn', 'sendTime', 'responseTimeTelco'] as const) {
      if (!(field in errors) && (field !== 'responseTimeTelco' || rawBody[field] !== undefined)) {
        toRead[field] = rawBody[field] as string;
      }
    }
    const normalized = this.normalizer.read(toRead, errors);
    if (dto === undefined || Object.keys(errors).length > 0) {
      return { errors: inFieldOrder(errors) };
    }
    return {
      valid: {
        dto,
        normalized: { responseTimeTelco: null, ...normalized } as NormalizedCallback,
        rawBody: raw ?? RawJson.of(rawBody),
      },
    };
  }

  /** The body as the DTO, or its rule errors added to `errors`. */
  private async dtoRulesOf(
    body: Record<string, unknown>,
    errors: FieldErrors,
  ): Promise<CreateSmsCallbackDto | undefined> {
    try {
      return (await this.dtoRules.transform(body, BODY_TYPE)) as CreateSmsCallbackDto;
    } catch (err) {
      if (!(err instanceof ApiError) || err.errors === null) {
        throw err;
      }
      for (const [field, rules] of Object.entries(err.errors)) {
        errors[field] = { ...errors[field], ...rules };
      }
      return undefined;
    }
  }

  /** The valid callback, or a 400 in the envelope naming every bad field. */
  async parse(body: unknown, raw?: RawJson): Promise<ValidSmsCallback> {
    const result = await this.validate(body, raw);
    if (result.errors) {
      throw validationFailed(result.errors);
    }
    return result.valid;
  }

  private notAnObject(body: unknown): string {
    return body === undefined ? 'The body is missing: send a JSON object.' : 'The body must be a JSON object.';
  }
}

/** The 400 of a callback body: the message names the fields, `errors` says what is wrong with each. */
export function validationFailed(errors: FieldErrors): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, `Validation failed: ${Object.keys(errors).join(', ')}.`, errors);
}

/** `body` (and anything else not a field) first, then the fields in the spec's order. */
function inFieldOrder(errors: FieldErrors): FieldErrors {
  const rank = (key: string) => FIELD_ORDER.indexOf(key.split('.')[0]);
  return Object.fromEntries(Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b)));
}

/** `@RawJsonBody(SmsCallbackBodyPipe)`: the request's body as a {@link ValidSmsCallback}, or a 400. */
@Injectable()
export class SmsCallbackBodyPipe implements PipeTransform<RawJson, Promise<ValidSmsCallback>> {
  constructor(private readonly validator: SmsCallbackValidator) {}

  transform(raw: RawJson): Promise<ValidSmsCallback> {
    return this.validator.parse(raw.value, raw);
  }
}
