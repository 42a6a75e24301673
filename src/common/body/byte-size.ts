const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** A size as BODY_LIMIT writes it (`65536`, `64kb`, `1mb`) in bytes. */
export function parseByteSize(size: string | number): number {
  if (typeof size === 'number') {
    return size;
  }
  const match = /^\s*(\d+)\s*(b|kb|mb)?\s*$/i.exec(size);
  if (!match) {
    throw new Error(`Not a size: ${size} (write 65536, 64kb or 1mb)`);
  }
  return Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()];
}
