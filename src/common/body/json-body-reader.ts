import { HttpStatus } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { ApiError } from '../api-error';
import { sendContinueIfPending } from '../http/expect-continue';
import { requestDeadlineOf } from '../http/request-deadline';
import { RawJson } from './raw-json';

/** The media types read as JSON: `application/json` and `application/*+json`, in UTF-8. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

export interface JsonBodyLimits {
  /** Largest body, in bytes, as sent and (for gzip/deflate) once inflated. */
  maxBytes: number;
  /** Longest time the body may take to arrive, from the moment it is asked for. */
  timeoutMs: number;
}

/** Methods whose body must be JSON when they carry one (415 otherwise); other methods' non-JSON bodies are ignored. */
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** True when the request says it carries a body: chunked, or a Content-Length above 0. */
export function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) {
    return true;
  }
  const length = req.headers['content-length'];
  return length !== undefined && Number(length) > 0;
}

/**
 * Reads the request's JSON body under `limits`, after the route's guards (the API key) have passed: nothing
 * is read, inflated or parsed for a client that may not call the route. Resolves to the body, or `undefined`
 * when there is none (no body, `Content-Length: 0`, or a non-JSON body on a method that takes none).
 *
 * Refused with the envelope's 4xx: another media type (415), a charset other than UTF-8 or an encoding other
 * than gzip/deflate (415), a declared length over the limit (413 at once, nothing read), a body that grows
 * over it as sent or inflated (413 as soon as it does), a body that takes longer than `timeoutMs` (408),
 * corrupt gzip/deflate data, bytes that are not UTF-8, or text that is not JSON (400). While the body arrives
 * the handler deadline (REQUEST_TIMEOUT_MS) is held: a slow link is bound by `timeoutMs` alone.
 */
export async function readJsonBody(req: Request, res: Response, limits: JsonBodyLimits): Promise<RawJson | undefined> {
  if (!hasBody(req)) {
    return undefined;
  }
  const contentType = req.headers['content-type'];
  if (!isJsonMediaType(contentType)) {
    if (!METHODS_WITH_BODY.has(req.method)) {
      return undefined;
    }
    throw unsupported(
      'Content-Type',
      'isJson',
      `The body must be sent as Content-Type: application/json (received ${contentType ?? '(none)'}).`,
    );
  }
  const charset = charsetOf(contentType!);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw unsupported('Content-Type', 'isSupported', `The body must be JSON in UTF-8 (received charset ${charset}).`);
  }
  const inflate = inflaterFor(req.headers['content-encoding']);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limits.maxBytes) {
    throw tooLarge(limits.maxBytes, `${declared} bytes declared`);
  }
  const bytes = await receive(req, res, limits, inflate);
  if (!isUtf8(bytes)) {
    throw badBody('isUtf8', 'The body is not valid UTF-8.');
  }
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
  }
  if (text.length === 0) {
    return undefined;
  }
  try {
    return new RawJson(text, JSON.parse(text));
  } catch (err) {
    throw new ApiError(HttpStatus.BAD_REQUEST, 'The body is not valid JSON.', {
      body: { isJson: (err as Error).message },
    });
  }
}

type Inflater = (() => Readable & NodeJS.WritableStream) | undefined;

function inflaterFor(header: string | undefined): Inflater {
  const encoding = header?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity') {
    return undefined;
  }
  if (encoding === 'gzip') {
    return createGunzip;
  }
  if (encoding === 'deflate') {
    return createInflate;
  }
  throw unsupported(
    'Content-Encoding',
    'isSupported',
    `Content-Encoding ${header} is not supported: send the body as it is, or gzip- or deflate-encoded.`,
  );
}

/** The body's bytes (inflated), within the limits. */
function receive(req: Request, res: Response, limits: JsonBodyLimits, inflate: Inflater): Promise<Buffer> {
  // A body that came with the headers (most callbacks) is already here: no clock to hold, no timer to set.
  const waiting = !req.complete;
  const deadline = waiting ? requestDeadlineOf(res) : undefined;
  deadline?.hold();
  sendContinueIfPending(req, res);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let kept = 0;
    let settled = false;
    const inflater = inflate?.();
    const finish = (error: ApiError | undefined) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('aborted', onAborted).off('error', onAborted);
      if (error) {
        req.unpipe();
        inflater?.destroy();
        reject(error);
        return;
      }
      deadline?.restart();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, kept));
    };
    const keep = (chunk: Buffer) => {
      kept += chunk.length;
      if (kept > limits.maxBytes) {
        finish(tooLarge(limits.maxBytes, inflater ? 'once inflated' : 'as sent'));
        return;
      }
      chunks.push(chunk);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) {
        finish(tooLarge(limits.maxBytes, 'as sent'));
        return;
      }
      if (inflater) {
        inflater.write(chunk);
      } else {
        keep(chunk);
      }
    };
    const onEnd = () => (inflater ? inflater.end() : finish(undefined));
    const onAborted = () => finish(aborted());
    const timer = waiting
      ? setTimeout(
          () =>
            finish(
              new ApiError(
                HttpStatus.REQUEST_TIMEOUT,
                `The body did not arrive within ${limits.timeoutMs} ms; nothing was stored. Send it again.`,
                { body: { timeout: `The body must arrive within ${limits.timeoutMs} ms.` } },
                { Connection: 'close' },
              ),
            ),
          limits.timeoutMs,
        ).unref()
      : undefined;
    if (inflater) {
      inflater.on('data', keep);
      inflater.on('end', () => finish(undefined));
      inflater.on('error', () =>
        finish(badBody('isEncoded', `The body is not valid ${req.headers['content-encoding']?.trim()} data.`)),
      );
    }
    req.on('data', onData).on('end', onEnd).on('aborted', onAborted).on('error', onAborted);
  });
}

/** `application/json` and `application/<anything>+json`, case-insensitive, whatever the parameters. */
function isJsonMediaType(header: string | undefined): boolean {
  if (header === undefined) {
    return false;
  }
  if (header === 'application/json') {
    return true;
  }
  const semicolon = header.indexOf(';');
  const type = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json') && type.length > 17);
}

/** The `charset` parameter of a Content-Type, lower case, without quotes; `undefined` when absent. */
function charsetOf(header: string): string | undefined {
  const semicolon = header.indexOf(';');
  if (semicolon === -1) {
    return undefined;
  }
  for (const parameter of header.slice(semicolon + 1).split(';')) {
    const equals = parameter.indexOf('=');
    if (equals !== -1 && parameter.slice(0, equals).trim().toLowerCase() === 'charset') {
      return parameter
        .slice(equals + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .toLowerCase();
    }
  }
  return undefined;
}

function unsupported(header: string, rule: string, message: string): ApiError {
  return ApiError.field(HttpStatus.UNSUPPORTED_MEDIA_TYPE, header, rule, message);
}

function tooLarge(maxBytes: number, how: string): ApiError {
  return new ApiError(
    HttpStatus.PAYLOAD_TOO_LARGE,
    'The body is larger than this service accepts.',
    { body: { maxSize: `The body must be at most ${maxBytes} bytes (${how}).` } },
    { Connection: 'close' },
  );
}

function badBody(rule: string, message: string): ApiError {
  return ApiError.field(HttpStatus.BAD_REQUEST, 'body', rule, message);
}

function aborted(): ApiError {
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    'The request ended before its body did; nothing was stored.',
    { body: { isComplete: 'The connection closed before the whole body arrived.' } },
    { Connection: 'close' },
  );
}
