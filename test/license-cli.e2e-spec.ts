import request from 'supertest';
import { runLicenseCli } from '../src/license/cli/license.cli';
import { aCallback, CALLBACK_PATH } from './factories';
import { createTestApp, TestApp } from './test-app';

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
    t = await createTestApp();
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
    [['rotate'], /Unknown command/],
    [['issue', '--enterprise', 'e', '--bogus'], /bogus/],
  ])('should refuse %j with a message and a non-zero exit code', async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBeGreaterThan(0);
    expect(result.err).toMatch(message);
    expect(result.out).toBe('');
  });

  it('should print its usage for help', async () => {
    const result = await cli('help');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/Usage: npm run license -- <command>/);
  });
});
