import { ACCEPTED_TIME_FORMATS, parseVendorTime, VendorTimeError } from './vendor-time';
import { VENDOR_TIME_PATTERN, VENDOR_TIME_PATTERN_OR_EMPTY } from './vendor-time-pattern';

const pattern = new RegExp(VENDOR_TIME_PATTERN);
const HCM = 'Asia/Ho_Chi_Minh';

function accepts(raw: string): boolean {
  try {
    parseVendorTime(raw, HCM);
    return true;
  } catch (err) {
    if (err instanceof VendorTimeError) {
      return false;
    }
    throw err;
  }
}

/** A small deterministic PRNG (mulberry32), so that a failure can be replayed. */
function random(seed: number): (below: number) => number {
  let a = seed;
  return (below) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below);
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Date-times in every form, with each part now and then out of its range. */
function aTime(next: (below: number) => number): string {
  const year = 2000 + next(100);
  const [mo, d, h, mi, s] = [pad(next(14)), pad(next(33)), pad(next(26)), pad(next(62)), pad(next(62))];
  const offset = [
    '',
    'Z',
    `+${pad(next(16))}:${pad(next(62))}`,
    `-${pad(next(15))}${pad(next(60))}`,
    `+${pad(next(16))}`,
  ][next(5)];
  const forms = [
    `${year}-${mo}-${d}T${h}:${mi}:${s}${offset}`,
    `${year}-${mo}-${d} ${h}:${mi}:${s}.${next(1000)}`,
    `${year}/${mo}/${d} ${h}:${mi}:${s}`,
    `${d}/${mo}/${year} ${h}:${mi}:${s}`,
    `${year}${mo}${d}${h}${mi}${s}`,
    `${pad(year % 100)}${mo}${d}${h}${mi}${s}`,
    `${pad(year % 100)}${mo}${d}${h}${mi}`,
    `${1_700_000_000_000 + next(100_000_000_000)}`,
  ];
  return forms[next(forms.length)];
}

describe('VENDOR_TIME_PATTERN (the time forms in the OpenAPI document)', () => {
  it('should match the example of every accepted form, with whitespace around it', () => {
    for (const line of ACCEPTED_TIME_FORMATS) {
      const example = line.slice(line.lastIndexOf('e.g. ') + 5);
      expect(` ${example} `).toMatch(pattern);
    }
  });

  it('should match every time the service reads, and refuse what it refuses but 29-31 February', () => {
    const next = random(20261201);
    let read = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const raw = aTime(next);
      const documented = pattern.test(raw);
      if (accepts(raw)) {
        read++;
        if (!documented) {
          throw new Error(`the pattern refuses ${raw}, which the service reads`);
        }
      } else {
        refused++;
        // The pattern cannot know leap years: it lets 29 February through every year.
        if (documented && !/(^|\D)(\d{4}[-/]?02[-/]?29|29\/02\/\d{4}|\d{2}0229\d{4,6}$)/.test(raw)) {
          throw new Error(`the pattern matches ${raw}, which the service refuses`);
        }
      }
    }
    expect(read).toBeGreaterThan(2_000);
    expect(refused).toBeGreaterThan(2_000);
  });

  it('should refuse words, dates without a time and month-first dates', () => {
    for (const raw of ['yesterday', '2025-05-01', '10:15:30', '12/31/2025 10:15:30', '2025-05-01T10:15']) {
      expect(raw).not.toMatch(pattern);
    }
  });

  it('should take an empty value for responseTimeTelco only', () => {
    expect('').toMatch(new RegExp(VENDOR_TIME_PATTERN_OR_EMPTY));
    expect('').not.toMatch(pattern);
  });
});
