import { RawJson } from './raw-json';

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/**
 * The elements of a JSON array body, each with its own exact text (so that each is stored as it was sent,
 * numbers and all); `undefined` when the body is not an array. The text must be one that `JSON.parse`
 * accepted (a {@link RawJson} read from a request): this only finds the elements' boundaries.
 */
export function jsonArrayItems(raw: RawJson): RawJson[] | undefined {
  if (!Array.isArray(raw.value)) {
    return undefined;
  }
  const values = raw.value as unknown[];
  const texts = elementTexts(raw.text);
  if (texts.length !== values.length) {
    // Not the text of this value (built in code): each element serialised.
    return values.map((value) => RawJson.of(value));
  }
  return values.map((value, i) => new RawJson(texts[i], value));
}

/** The texts of the top-level array's elements, trimmed. */
function elementTexts(text: string): string[] {
  const texts: string[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  const push = (end: number) => {
    let from = start;
    let to = end;
    while (from < to && WHITESPACE.has(text[from])) {
      from++;
    }
    while (to > from && WHITESPACE.has(text[to - 1])) {
      to--;
    }
    if (to > from) {
      texts.push(text.slice(from, to));
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') {
        i++;
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
    } else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) {
        start = i + 1;
      }
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) {
        push(i);
        break;
      }
    } else if (c === ',' && depth === 1) {
      push(i);
      start = i + 1;
    }
  }
  return texts;
}
