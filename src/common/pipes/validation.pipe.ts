import { ArgumentMetadata, HttpStatus, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { ApiError } from '../api-error';
import type { FieldErrors } from '../envelope';
import { validationFastPathOf } from './validation-fast-path';

/**
 * The global ValidationPipe: transforms into the DTO, drops body fields the DTO does not declare (vendors
 * add fields; the raw body keeps them), refuses query parameters it does not declare (a misspelt filter
 * must not return the unfiltered list), and answers 400 with `errors` keyed by field, `{ rule: message }`.
 */
@Injectable()
export class AppValidationPipe extends ValidationPipe {
  private readonly queryParameters = new Map<unknown, ReadonlySet<string>>();

  constructor() {
    super({
      transform: true,
      whitelist: true,
      forbidNonWhitelisted: false,
      forbidUnknownValues: true,
      // One message per field: the first rule it breaks (DTOs list their type checks last, so first checked).
      stopAtFirstError: true,
      validationError: { target: false, value: false },
      exceptionFactory: (errors: ValidationError[]) =>
        new ApiError(HttpStatus.BAD_REQUEST, summarise(errors), flattenValidationErrors(errors)),
    });
  }

  /**
   * What needs no validation comes back as it is, at once rather than as a promise (Nest awaits either; on the
   * callback route the pipe runs twice, global and on the controller, for each of its two custom parameters):
   * a custom decorator's value (the license, the raw body: ValidationPipe leaves those alone, as
   * `validateCustomDecorators` is off) and a value already of the DTO class (validated by the other of the two).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ValidationPipe's signature says Promise<any>; a value is awaited alike
  override transform(value: unknown, metadata: ArgumentMetadata): any {
    if (
      metadata.type === 'custom' ||
      (metadata.metatype && typeof metadata.metatype === 'function' && value instanceof metadata.metatype)
    ) {
      return value;
    }
    return this.validated(value, metadata);
  }

  private async validated(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata)) {
      if (!isPlainObject(value)) {
        throw ApiError.field(
          HttpStatus.BAD_REQUEST,
          'body',
          'isObject',
          value === undefined ? 'The body is missing: send a JSON object.' : 'The body must be a JSON object.',
        );
      }
      // A valid body of a DTO with a fast path skips class-transformer and class-validator (see there).
      const dto = validationFastPathOf(metadata.metatype)?.(value);
      if (dto !== undefined) {
        return dto;
      }
    }
    if (metadata.type === 'query' && metadata.metatype && this.toValidate(metadata) && isPlainObject(value)) {
      this.assertKnownParameters(value, metadata.metatype);
    }
    return super.transform(value, metadata);
  }

  private assertKnownParameters(query: Record<string, unknown>, metatype: new () => unknown): void {
    let known = this.queryParameters.get(metatype);
    if (known === undefined) {
      known = new Set(
        getMetadataStorage()
          .getTargetValidationMetadatas(metatype, '', true, false)
          .map((rule) => rule.propertyName),
      );
      this.queryParameters.set(metatype, known);
    }
    const unknown = Object.keys(query).filter((name) => !known.has(name));
    if (unknown.length === 0) {
      return;
    }
    const errors: FieldErrors = {};
    for (const name of unknown) {
      const meant = [...known].find((candidate) => candidate.toLowerCase() === name.toLowerCase());
      const hint = meant ? `did you mean ${meant}?` : `known: ${[...known].join(', ')}`;
      errors[name] = { isKnownParameter: `${name} is not a query parameter of this route (${hint})` };
    }
    throw new ApiError(HttpStatus.BAD_REQUEST, `Unknown query parameter: ${unknown.join(', ')}.`, errors);
  }
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldErrors {
  const result: FieldErrors = {};
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      result[path] = { ...error.constraints };
    }
    Object.assign(result, flattenValidationErrors(error.children ?? [], path));
  }
  return result;
}

function summarise(errors: ValidationError[]): string {
  const fields = Object.keys(flattenValidationErrors(errors));
  return `Validation failed: ${fields.join(', ')}.`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
