import type { ValidationError } from '@nestjs/common';
import { IsInt, IsString } from 'class-validator';
import { ApiError } from '../api-error';
import { AppValidationPipe, flattenValidationErrors } from './validation.pipe';

class Body {
  @IsString()
  name: string;

  @IsInt()
  count: number;
}

describe('AppValidationPipe', () => {
  const pipe = new AppValidationPipe();
  const body = { type: 'body' as const, metatype: Body };

  it.each([
    ['undefined', undefined, 'The body is missing: send a JSON object.'],
    ['an array', [{ name: 'a', count: 1 }], 'The body must be a JSON object.'],
    ['a string', 'name=a', 'The body must be a JSON object.'],
    ['null', null, 'The body must be a JSON object.'],
  ])('should refuse a body that is %s with errors.body.isObject', async (_case, value, message) => {
    const refusal = await pipe.transform(value, body).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(ApiError);
    expect((refusal as ApiError).getStatus()).toBe(400);
    expect((refusal as ApiError).errors).toEqual({ body: { isObject: message } });
  });

  it('should answer one rule per invalid field, keyed by field', async () => {
    const refusal = (await pipe.transform({ name: 5, count: 'x' }, body).catch((err: unknown) => err)) as ApiError;
    expect(refusal.errors).toEqual({
      name: { isString: 'name must be a string' },
      count: { isInt: 'count must be an integer number' },
    });
    expect(refusal.message).toBe('Validation failed: name, count.');
  });

  it('should drop fields the DTO does not declare', async () => {
    const value = await pipe.transform({ name: 'a', count: 1, extra: true }, body);
    expect(value).toBeInstanceOf(Body);
    expect(value).toEqual({ name: 'a', count: 1 });
  });
});

describe('flattenValidationErrors', () => {
  it('should key nested errors by their dotted path', () => {
    const errors: ValidationError[] = [
      {
        property: 'outer',
        children: [{ property: 'inner', constraints: { isInt: 'inner must be an integer number' }, children: [] }],
      },
    ];
    expect(flattenValidationErrors(errors)).toEqual({ 'outer.inner': { isInt: 'inner must be an integer number' } });
  });
});
