/**
 * A JSON body as received: its text (UTF-8, without a byte order mark), exactly as the client wrote it, and
 * the value it parses to. Stored as the text, so that PostgreSQL's jsonb keeps every number exactly
 * (`9007199254740993`, `1e309`), which a round trip through `JSON.parse` and `JSON.stringify` would not.
 */
export class RawJson {
  constructor(
    readonly text: string,
    readonly value: unknown,
  ) {}

  /** For a value that has no text of its own (built in code): its JSON serialisation. */
  static of(value: unknown): RawJson {
    return new RawJson(JSON.stringify(value) ?? 'null', value);
  }
}
