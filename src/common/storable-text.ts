import { ValidateBy, type ValidationOptions } from 'class-validator';

/** Why PostgreSQL could not store this text (a NUL character, a lone UTF-16 surrogate), or `undefined`. */
export function unstorableTextReason(text: string): string | undefined {
  if (text.includes('\u0000')) {
    return 'must not contain the NUL character (\\u0000)';
  }
  if (!text.isWellFormed()) {
    return 'must be well-formed Unicode (no lone surrogate \\uD800-\\uDFFF)';
  }
  return undefined;
}

/**
 * class-validator rule `isStorableText`: a string PostgreSQL can store in a text column and in jsonb (the
 * audit trail): no NUL character, no lone surrogate. On every client string that reaches the database, so
 * that such text is a 400 naming the field rather than a database error.
 */
export function IsStorableText(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStorableText',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || unstorableTextReason(value) === undefined,
        defaultMessage: (args) => `$property ${unstorableTextReason(String(args?.value ?? '')) ?? 'is not storable'}`,
      },
    },
    options,
  );
}
