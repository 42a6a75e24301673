import express from 'express';
import type { Request } from 'express';
import { keepHostBodyParsersOff, restoreBodyHeaders } from './host-body-parsers';

type Stack = { name?: string; handle?: { name?: string; (req: unknown, res: unknown, next: () => void): void } }[];
const stackOf = (app: express.Express) => (app as unknown as { router: { stack: Stack } }).router.stack;

describe('keepHostBodyParsersOff', () => {
  it('should do nothing where the host registered no body parser', () => {
    const app = express();
    app.use(function other(_req, _res, next) {
      next();
    });
    keepHostBodyParsersOff(app, () => true);
    expect(stackOf(app).map((layer) => layer.handle?.name)).toEqual(['other']);
  });

  it("should stand before the host's parsers and set the body headers of its own routes aside until restored", () => {
    const app = express();
    app.use(express.json());
    app.use(express.urlencoded({ extended: true }));
    keepHostBodyParsersOff(app, (path) => path.startsWith('/own'));
    const names = stackOf(app).map((layer) => layer.handle?.name);
    expect(names).toEqual(['hideBodyFromHostParsers', 'jsonParser', 'urlencodedParser']);

    const hide = stackOf(app)[0].handle!;
    const own = { path: '/own/route', headers: { 'content-length': '12', 'content-type': 'application/json' } };
    hide(own, {}, () => undefined);
    expect(own.headers['content-length']).toBeUndefined();
    restoreBodyHeaders(own as unknown as Request);
    expect(own.headers['content-length']).toBe('12');

    const hosts = { path: '/host', headers: { 'content-length': '12' } };
    hide(hosts, {}, () => undefined);
    expect(hosts.headers['content-length']).toBe('12');
  });
});
