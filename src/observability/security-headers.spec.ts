import type { Request, Response } from 'express';
import helmet from 'helmet';
import { securityHeaders } from './security-headers';

/** The headers a middleware leaves on a response that starts with `initial`. */
function headersAfter(
  middleware: (req: Request, res: Response, next: (err?: unknown) => void) => void,
  initial: Record<string, string> = {},
): Record<string, string> {
  const headers: Record<string, string> = { ...initial };
  const res = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let nextCalls = 0;
  middleware({} as Request, res as unknown as Response, (err) => {
    expect(err).toBeUndefined();
    nextCalls++;
  });
  expect(nextCalls).toBe(1);
  return headers;
}

describe('securityHeaders', () => {
  const options = {
    contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:'], 'upgrade-insecure-requests': null } },
  };

  it('should set exactly the headers helmet sets, and remove what helmet removes', () => {
    const initial = { 'x-powered-by': 'Express' };
    const fromHelmet = headersAfter(helmet(options), initial);
    const replayed = headersAfter(securityHeaders(options), initial);
    expect(replayed).toEqual(fromHelmet);
    expect(replayed['x-powered-by']).toBeUndefined();
    expect(replayed['x-content-type-options']).toBe('nosniff');
    expect(replayed['content-security-policy']).toContain("img-src 'self' data:");
    expect(replayed['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('should follow the options it is given', () => {
    const headers = headersAfter(securityHeaders({ ...options, frameguard: { action: 'deny' } }));
    expect(headers['x-frame-options']).toBe('DENY');
  });
});
