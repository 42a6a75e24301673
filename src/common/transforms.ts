import type { TransformFnParams } from 'class-transformer';

const INTEGER_STRING = /^\s*[-+]?\d+\s*$/;

/** `"3"` becomes 3; anything else is left as it is, for the validators to judge. */
export function integerStringToNumber({ value }: TransformFnParams): unknown {
  return typeof value === 'string' && INTEGER_STRING.test(value) ? Number(value) : value;
}
