import type { FieldErrors } from '../common/envelope';

/** Deeper than this, a body is refused: no delivery report needs it, and PostgreSQL has a limit. */
export const MAX_JSON_DEPTH = 32;

/**
 * Why PostgreSQL could not store this JSON as sent (as jsonb and text columns), or `undefined`: strings
 * (and keys) with a NUL character or a lone UTF-16 surrogate, or nesting deeper than {@link MAX_JSON_DEPTH}.
 * Checked before the insert so that such a body is a 400, not a database error.
 */
export function unstorableJsonReason(value: unknown): FieldErrors | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value, depth: 0, path: 'body' }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      const problem = stringProblem(item.value);
      if (problem) {
        return { [item.path]: problem };
      }
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) {
      continue;
    }
    if (item.depth >= MAX_JSON_DEPTH) {
      return { body: { maxDepth: `The body must not nest deeper than ${MAX_JSON_DEPTH} levels.` } };
    }
    for (const [key, child] of Object.entries(item.value)) {
      const path = item.path === 'body' ? key : `${item.path}.${key}`;
      const keyProblem = stringProblem(key);
      if (keyProblem) {
        return { body: keyProblem };
      }
      stack.push({ value: child, depth: item.depth + 1, path });
    }
  }
  return undefined;
}

function stringProblem(text: string): Record<string, string> | undefined {
  if (text.includes('\u0000')) {
    return { noNulCharacter: 'Text must not contain the NUL character (\\u0000).' };
  }
  if (!text.isWellFormed()) {
    return { isWellFormed: 'Text must be well-formed Unicode (no lone surrogate \\uD800-\\uDFFF).' };
  }
  return undefined;
}
