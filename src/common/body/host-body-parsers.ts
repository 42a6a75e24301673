import type { Request } from 'express';

const HIDDEN = Symbol('bodyHiddenFromHostParsers');
const BODY_HEADERS = ['content-length', 'transfer-encoding'] as const;
/** The names of the body parsers of Express (body-parser), as a host application registers them. */
const PARSER_NAMES = new Set(['jsonParser', 'urlencodedParser', 'textParser', 'rawParser']);

interface Layer {
  name?: string;
  handle?: { readonly name: string };
}
interface ExpressLike {
  use(handler: (req: Request, res: unknown, next: () => void) => void): unknown;
  router?: { stack?: Layer[] };
}

/**
 * Keeps the body parsers of a host application (Nest's default `bodyParser: true`) off the routes that
 * `matches` names, so that those routes read their body themselves, after their key check, with their own
 * limits and their own answers (a malformed JSON body is the route's 400 in the envelope, not the host's).
 * Puts one middleware before the first parser: for a matching request it sets the body's headers aside,
 * where {@link restoreBodyHeaders} takes them back. Does nothing where no parser is registered.
 */
export function keepHostBodyParsersOff(app: ExpressLike, matches: (path: string) => boolean): void {
  const stack = app.router?.stack;
  const first = stack?.findIndex((layer) => PARSER_NAMES.has(layer.handle?.name ?? layer.name ?? '')) ?? -1;
  if (stack === undefined || first < 0) {
    return;
  }
  app.use(function hideBodyFromHostParsers(req: Request, _res: unknown, next: () => void) {
    if (matches(req.path)) {
      const hidden: Record<string, string | undefined> = {};
      for (const header of BODY_HEADERS) {
        hidden[header] = req.headers[header];
        delete req.headers[header];
      }
      (req as unknown as { [HIDDEN]?: typeof hidden })[HIDDEN] = hidden;
    }
    next();
  });
  stack.splice(first, 0, stack.pop()!);
}

/** Puts back the headers that {@link keepHostBodyParsersOff} set aside (no-op for any other request). */
export function restoreBodyHeaders(req: Request): void {
  const holder = req as unknown as { [HIDDEN]?: Record<string, string | undefined> };
  const hidden = holder[HIDDEN];
  if (hidden === undefined) {
    return;
  }
  delete holder[HIDDEN];
  for (const [header, value] of Object.entries(hidden)) {
    if (value !== undefined) {
      req.headers[header] = value;
    }
  }
}
