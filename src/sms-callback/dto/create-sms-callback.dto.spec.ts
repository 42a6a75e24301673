import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { AppValidationPipe } from '../../common/pipes/validation.pipe';
import {
  CreateSmsCallbackDto,
  ID_MAX_LENGTH,
  INT32_MAX,
  INT32_MIN,
  MSISDN_MAX_LENGTH,
  plainlyValidSmsCallback,
  TIME_MAX_LENGTH,
} from './create-sms-callback.dto';

const metadata: ArgumentMetadata = { type: 'body', metatype: CreateSmsCallbackDto, data: '' };
const pipe = new AppValidationPipe();

/** What class-transformer and class-validator make of the body (the pipe without its fast path). */
async function fullPath(body: Record<string, unknown>): Promise<{ dto?: unknown; error?: unknown }> {
  try {
    return { dto: await ValidationPipe.prototype.transform.call(pipe, structuredClone(body), metadata) };
  } catch (error) {
    return { error };
  }
}

/** A small deterministic PRNG (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ABSENT = Symbol('absent');

function stringsAround(max: number): unknown[] {
  return [
    'x',
    '84912345678',
    '',
    ' ',
    'a'.repeat(max),
    'a'.repeat(max + 1),
    '😀'.repeat(Math.floor(max / 2)),
    '😀'.repeat(Math.floor(max / 2) + 1),
    'é'.repeat(max),
  ];
}

const NON_STRINGS: unknown[] = [0, 7, -1, 1.5, true, false, null, ABSENT, {}, [], ['x'], { a: 1 }];
const INTEGERS: unknown[] = [0, -0, 1, 42, INT32_MAX, INT32_MAX + 1, INT32_MIN, INT32_MIN - 1, -1, 1.5, 1e21];
const NUMERIC_STRINGS: unknown[] = ['0', '3', ' 4 ', '+5', '-6', '1.5', '', 'x', '2147483648'];

const CHOICES: Record<string, unknown[]> = {
  msisdn: [...stringsAround(MSISDN_MAX_LENGTH), ...NON_STRINGS],
  requestId: [...stringsAround(ID_MAX_LENGTH), ...NON_STRINGS],
  sendTime: [...stringsAround(TIME_MAX_LENGTH), ...NON_STRINGS],
  responseTimeTelco: [...stringsAround(TIME_MAX_LENGTH), ...NON_STRINGS],
  status: [...INTEGERS, ...NUMERIC_STRINGS, null, ABSENT, true, {}, []],
  referentId: [...stringsAround(ID_MAX_LENGTH), ...NON_STRINGS],
  retryCount: [...INTEGERS, ...NUMERIC_STRINGS, null, ABSENT, true, {}, []],
};

const VALID: Record<string, unknown> = {
  msisdn: '84912345678',
  requestId: 'req-1',
  sendTime: '2025-05-01 17:15:30',
  responseTimeTelco: '2025-05-01 17:15:32',
  status: 0,
  referentId: 'msg-1',
  retryCount: 0,
};

function without(body: Record<string, unknown>, ...fields: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !fields.includes(key)));
}

/** A body: mostly valid fields, each replaced with probability `p` by one of its choices; extra fields. */
function bodyOf(next: () => number, p: number): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [field, choices] of Object.entries(CHOICES)) {
    const value = next() < p ? choices[Math.floor(next() * choices.length)] : VALID[field];
    if (value !== ABSENT) {
      body[field] = value;
    }
  }
  if (next() < 0.3) {
    body.vendorExtra = { nested: [1, 'two'] };
  }
  return body;
}

describe('plainlyValidSmsCallback (the fast path past class-validator)', () => {
  it('should give exactly what class-transformer and class-validator give, for every body it accepts', async () => {
    const next = random(20261127);
    let accepted = 0;
    let refusedToFullPath = 0;
    for (let i = 0; i < 4_000; i++) {
      const body = bodyOf(next, i % 4 === 0 ? 0.1 : 0.35);
      const fast = plainlyValidSmsCallback(structuredClone(body));
      const full = await fullPath(body);
      if (fast === undefined) {
        refusedToFullPath++;
        continue;
      }
      accepted++;
      if (full.error) {
        throw new Error(`fast path accepted a body the full path refuses: ${JSON.stringify(body)}`);
      }
      expect(fast).toBeInstanceOf(CreateSmsCallbackDto);
      expect(fast).toStrictEqual(full.dto);
    }
    // Both paths were exercised, a lot.
    expect(accepted).toBeGreaterThan(500);
    expect(refusedToFullPath).toBeGreaterThan(500);
  });

  it('should take the common valid bodies, with or without the optional fields', () => {
    expect(plainlyValidSmsCallback({ ...VALID })).toBeInstanceOf(CreateSmsCallbackDto);
    const dto = plainlyValidSmsCallback({ ...without(VALID, 'responseTimeTelco', 'status'), extra: 1 });
    expect(dto).toBeInstanceOf(CreateSmsCallbackDto);
    const set = Object.entries(dto ?? {}).filter(([, value]) => value !== undefined);
    expect(set.map(([key]) => key).sort()).toEqual(['msisdn', 'referentId', 'requestId', 'retryCount', 'sendTime']);
    expect(plainlyValidSmsCallback({ ...VALID, status: null, responseTimeTelco: null })).toMatchObject({
      status: null,
      responseTimeTelco: null,
    });
  });

  it('should leave to class-validator what needs a transform or an error message', () => {
    expect(plainlyValidSmsCallback({ ...VALID, retryCount: '1' })).toBeUndefined();
    expect(plainlyValidSmsCallback({ ...VALID, status: '0' })).toBeUndefined();
    expect(plainlyValidSmsCallback({ ...VALID, msisdn: '' })).toBeUndefined();
    expect(plainlyValidSmsCallback({ ...VALID, retryCount: -1 })).toBeUndefined();
    expect(plainlyValidSmsCallback(without(VALID, 'msisdn'))).toBeUndefined();
  });

  it('should be what the global pipe uses for the callback body, and still refuse what is wrong', async () => {
    await expect(pipe.transform({ ...VALID, extra: true }, metadata)).resolves.toStrictEqual(
      plainlyValidSmsCallback({ ...VALID }),
    );
    await expect(pipe.transform({ ...VALID, retryCount: '2' }, metadata)).resolves.toMatchObject({ retryCount: 2 });
    await expect(pipe.transform({ ...VALID, retryCount: -2 }, metadata)).rejects.toMatchObject({
      response: { errors: { retryCount: { min: expect.any(String) } } },
    });
  });
});
