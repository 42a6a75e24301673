import request from 'supertest';
import { runLicenseCli } from '../../../src/cli/license/license.cli';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { eventually } from '../../support/admin-api';
import { createTestApp, TestApp } from '../../support/test-app';

/** Runs the CLI in this process (on the suite's DATABASE_URL) and captures what it prints. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runLicenseCli(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

describe('license CLI', () => {
  let t: TestApp;
  const enterprise = `cli-${Date.now()}`;

  beforeAll(async () => {
    // A short cache TTL: the CLI is another process, its changes reach the service when the cached entry expires.
    t = await createTestApp({ env: { LICENSE_CACHE_TTL_MS: '1000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should issue a key with --json that works at once against the API', async () => {
    const issued = await cli('issue', '--enterprise', enterprise, '--label', 'gateway A', '--json');
    expect(issued.code).toBe(0);
    expect(issued.out.trim().split('\n')).toHaveLength(1);
    const license = JSON.parse(issued.out);
    expect(license).toMatchObject({ enterprise, label: 'gateway A', status: 'active', expiresAt: null });
    expect(license.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(license.apiKey).toMatch(/^smscb_[A-Za-z0-9_-]{43}$/);
    expect(license.apiKey.startsWith(license.keyPrefix)).toBe(true);

    await request(t.http).post(CALLBACK_PATH).set('API-KEY', license.apiKey).send(aCallback()).expect(201);
  });

  it('should print the key once in a human-readable form without --json', async () => {
    const issued = await cli('issue', '--enterprise', enterprise);
    expect(issued.code).toBe(0);
    expect(issued.out).toMatch(/API-KEY: +smscb_\S+/);
    expect(issued.out).toMatch(/shown only this once/);
  });

  it('should issue a key with an expiry', async () => {
    const issued = await cli('issue', '--enterprise', enterprise, '--expires', '2099-01-01T00:00:00Z', '--json');
    expect(JSON.parse(issued.out).expiresAt).toBe('2099-01-01T00:00:00.000Z');
  });

  it('should list licenses without their keys or hashes', async () => {
    const issued = JSON.parse((await cli('issue', '--enterprise', enterprise, '--json')).out);
    const listed = await cli('list', '--enterprise', enterprise, '--json');
    expect(listed.code).toBe(0);
    const licenses = JSON.parse(listed.out) as Array<Record<string, unknown>>;
    expect(licenses.map((l) => l.id)).toContain(issued.id);
    expect(licenses.every((l) => l.enterprise === enterprise)).toBe(true);
    expect(listed.out).not.toContain(issued.apiKey);
    expect(listed.out).not.toMatch(/hash/i);
  });

  it('should revoke a license so that its key is refused with 403', async () => {
    const issued = JSON.parse((await cli('issue', '--enterprise', enterprise, '--json')).out);
    const revoked = await cli('revoke', issued.id, '--json');
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.out)).toMatchObject({ id: issued.id, status: 'revoked' });
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', issued.apiKey).send(aCallback()).expect(403);
  });

  it('should offer the admin operations, each audited as the CLI user, reaching the running service within the cache TTL', async () => {
    const issued = JSON.parse(
      (
        await cli(
          'issue',
          '--enterprise',
          enterprise,
          '--rate-limit',
          '25',
          '--allow-ip',
          '127.0.0.1',
          '--allow-ip',
          '::1',
          '--json',
        )
      ).out,
    );
    expect(issued).toMatchObject({ rateLimitPerSecond: 25, allowedIps: ['127.0.0.1', '::1'], state: 'active' });
    const send = () => request(t.http).post(CALLBACK_PATH).set('API-KEY', issued.apiKey).send(aCallback());
    await send().expect(201);

    const suspended = await cli('suspend', issued.id, '--json');
    expect(JSON.parse(suspended.out)).toMatchObject({ id: issued.id, status: 'suspended' });
    expect(
      (
        await eventually(
          () => send(),
          (res) => res.status === 403,
          6_000,
        )
      ).value.status,
    ).toBe(403);

    expect(JSON.parse((await cli('resume', issued.id, '--json')).out)).toMatchObject({ status: 'active' });
    expect(
      (
        await eventually(
          () => send(),
          (res) => res.status === 201,
          6_000,
        )
      ).value.status,
    ).toBe(201);

    const updated = await cli(
      'update',
      issued.id,
      '--label',
      'renamed',
      '--expires',
      '2098-01-01',
      '--rate-limit',
      'default',
      '--allow-any-ip',
      '--json',
    );
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.out)).toMatchObject({
      label: 'renamed',
      expiresAt: '2098-01-01T00:00:00.000Z',
      rateLimitPerSecond: null,
      allowedIps: [],
    });
    expect(JSON.parse((await cli('update', issued.id, '--expires', 'never', '--json')).out).expiresAt).toBeNull();

    const shown = await cli('show', issued.id);
    expect(shown.out).toMatch(/label: +renamed/);
    expect(shown.out).not.toContain(issued.apiKey);

    const rotated = await cli('rotate', issued.id, '--overlap', '0', '--json');
    expect(rotated.code).toBe(0);
    const next = JSON.parse(rotated.out);
    expect(next).toMatchObject({ enterprise, label: 'renamed', rotatedFromId: issued.id, previous: { id: issued.id } });
    expect(next.apiKey).toMatch(/^smscb_/);
    expect(
      (
        await eventually(
          () => send(),
          (res) => res.status === 403,
          6_000,
        )
      ).value.status,
    ).toBe(403);
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', next.apiKey).send(aCallback()).expect(201);

    const trail = await cli('events', issued.id, '--json');
    const events = JSON.parse(trail.out) as Array<{ action: string; actor: string }>;
    expect(events.map((e) => e.action)).toEqual(['rotated', 'updated', 'updated', 'resumed', 'suspended', 'created']);
    expect(events.every((e) => /^cli:.+@.+/.test(e.actor))).toBe(true);
    expect(trail.out).not.toContain(issued.apiKey);
    const readable = await cli('events', issued.id);
    expect(readable.out).toMatch(/suspended +by cli:.*status: "active" -> "suspended"/);
  });

  it('should print a rotated key once in a human-readable form', async () => {
    const issued = JSON.parse((await cli('issue', '--enterprise', enterprise, '--json')).out);
    const rotated = await cli('rotate', issued.id, '--overlap', '12h');
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(/API-KEY: +smscb_\S+/);
    expect(rotated.out).toMatch(/The old key \(smscb_\S+…\) works until \d{4}-/);
  });

  it('should refuse to resume a revoked license, with exit code 1', async () => {
    const issued = JSON.parse((await cli('issue', '--enterprise', enterprise, '--json')).out);
    await cli('revoke', issued.id);
    const result = await cli('resume', issued.id);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/revocation is final/);
  });

  it('should list licenses by status', async () => {
    const issued = JSON.parse((await cli('issue', '--enterprise', enterprise, '--json')).out);
    await cli('suspend', issued.id);
    const listed = JSON.parse((await cli('list', '--enterprise', enterprise, '--status', 'suspended', '--json')).out);
    expect(listed.map((l: { id: string }) => l.id)).toContain(issued.id);
    expect(listed.every((l: { status: string }) => l.status === 'suspended')).toBe(true);
  });

  it('should fail with exit code 1 when revoking a license that does not exist', async () => {
    const result = await cli('revoke', '00000000-0000-4000-8000-000000000000');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/No license/);
  });

  it.each([
    [['issue'], /--enterprise/],
    [['issue', '--enterprise', 'e', '--expires', 'next week'], /--expires/],
    [['issue', '--enterprise', 'e', '--expires', '2000-01-01'], /after/],
    [['revoke'], /one license id/],
    [['revoke', 'not-a-uuid'], /not a license id/],
    [['rotate'], /one license id/],
    [['retire', '00000000-0000-4000-8000-000000000000'], /Unknown command/],
    [['rotate', '00000000-0000-4000-8000-000000000000', '--overlap', 'soon'], /--overlap/],
    [['issue', '--enterprise', 'e', '--allow-ip', '10.0.0.0/33'], /--allow-ip/],
    [['update', '00000000-0000-4000-8000-000000000000', '--rate-limit', '0'], /--rate-limit/],
    [['issue', '--enterprise', 'e', '--bogus'], /bogus/],
  ])('should refuse %j with a message and a non-zero exit code', async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBeGreaterThan(0);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
    // One line, pointing at --help, not the whole usage.
    expect(result.err.trimEnd().split('\n')).toHaveLength(1);
    expect(result.err).not.toContain('Usage:');
  });

  it('should print its usage on standard error and exit 2 without a command', async () => {
    const result = await cli();
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^Usage: npm run license -- <command>/);
    expect(result.out).toBe('');
  });

  it.each([['help'], ['--help'], ['issue', '-h']])('should print its usage for %j', async (...argv) => {
    const result = await cli(...argv);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/Usage: npm run license -- <command>/);
  });
});
