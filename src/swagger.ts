import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_API_KEY_HEADER } from './admin/admin-api-key.guard';
import { ADMIN_API_PREFIX, AdminApiConfig } from './admin/admin-api.config';
import { ADMIN_API_KEY_SECURITY } from './admin/admin-auth.decorator';
import { DOCS_PATH } from './common/root.controller';
import type { AppConfigService } from './config/app-config.type';
import { API_KEY_HEADER } from './license/license-context';
import { API_KEY_SECURITY } from './license/api-key-auth.decorator';
import { ADMIN_LICENSES_TAG } from './admin/licenses/license-admin.controller';
import { CALLBACK_EXAMPLE, CALLBACK_EXAMPLE_NAME, CALLBACK_PATH } from './sms-callback/sms-callback.controller';
import { createdFirstPlugin } from './swagger-ui-plugins';

const CALLBACK_PATH_IN_DOCUMENT = `/${CALLBACK_PATH}`;

/** What the served document depends on in this instance's configuration. */
export interface OpenApiOptions {
  /** Whether the admin API is on (ADMIN_API_KEY set): its routes are listed only then. */
  adminApi: boolean;
  /** CALLBACK_TIMEZONE: the zone of vendor times written without one. */
  timeZone: string;
}

/** The committed `openapi.json`: the whole API, with the default configuration. */
export const FULL_DOCUMENT: OpenApiOptions = { adminApi: true, timeZone: 'Asia/Ho_Chi_Minh' };

/** Where the contract in our words (`docs/contract.md`) is served, next to the Swagger UI. */
export const CONTRACT_PATH = `/${DOCS_PATH}/contract.md`;

function description(options: OpenApiOptions): string {
  return [
    'Vendors (SMS gateways, telco aggregators) report here what happened to each SMS they sent for an enterprise ' +
      'of the platform (a delivery report), and read their reports back.',
    '',
    '**The one rule:** a 2xx means the callback is stored and will not be lost (`201` stored now, `200` with ' +
      '`Idempotent-Replayed: true` already stored); any other answer means "send it again", and sending it ' +
      'again never stores it twice.',
    '',
    '**Every response**, success or error, is the envelope `{code, data, message, errors, total_record, ' +
      'current_page}`; `errors` names each bad field with `{rule: message}`, all of them in one answer.',
    '',
    `**Times** without \`Z\` or an offset are read in **${options.timeZone}** on this instance ` +
      "(CALLBACK_TIMEZONE); the accepted forms are listed under `sendTime`. **`status`** is the vendor's own " +
      'delivery code, stored as sent: the service gives it no meaning.',
    '',
    `The contract in our words (fields, envelope, status codes, the decisions where the published page is vague): ` +
      `[${CONTRACT_PATH}](${CONTRACT_PATH}), \`docs/contract.md\` in the repository.`,
    '',
    'Authorize once with your `API-KEY` (the button on the right; the key is remembered) to try the routes here.',
    '',
    options.adminApi
      ? 'The admin API (licenses) is on on this instance: its routes need the `ADMIN-API-KEY`.'
      : '**The admin API is off on this instance** (ADMIN_API_KEY is not set): its routes are not listed here, ' +
        'and every `/api/admin` path answers 404.',
  ].join('\n');
}

export function buildOpenApiDocument(app: INestApplication, options: OpenApiOptions): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('SMS delivery-callback API')
    .setDescription(description(options))
    .setVersion('1.0')
    .addServer('/', 'This service: the host that serves this document')
    .setExternalDoc('The contract in our words (docs/contract.md)', CONTRACT_PATH)
    .addSecurity(API_KEY_SECURITY, {
      type: 'apiKey',
      in: 'header',
      name: API_KEY_HEADER,
      description: 'The key of an active license of your enterprise (`npm run license -- issue ...`).',
    })
    // Tags in the order a reader needs them: the vendor API first.
    .addTag(
      'SMS callback',
      'The vendor API: report delivery results (POST) and read them back (GET), with an `API-KEY` of an active ' +
        'license of the enterprise.',
    );
  if (options.adminApi) {
    builder
      .addSecurity(ADMIN_API_KEY_SECURITY, {
        type: 'apiKey',
        in: 'header',
        name: ADMIN_API_KEY_HEADER,
        description: 'The admin credential (ADMIN_API_KEY).',
      })
      .addTag(
        ADMIN_LICENSES_TAG,
        'For the portal behind the Key (License) page: create, list, change, suspend, resume, revoke and rotate ' +
          'licenses, and read their audit trail. Keys are shown once, at creation or rotation.',
      );
  }
  builder.addTag('Operations', 'Health probes and metrics for the people and systems that run the service.');
  const document = SwaggerModule.createDocument(app, builder.build());
  return options.adminApi ? document : withoutPaths(document, `/${ADMIN_API_PREFIX}/`);
}

/** The document without the paths under `prefix`, and without the schemas only they used. */
function withoutPaths(document: OpenAPIObject, prefix: string): OpenAPIObject {
  const paths = Object.fromEntries(Object.entries(document.paths).filter(([path]) => !path.startsWith(prefix)));
  const schemas = document.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const name = key === '$ref' && typeof child === 'string' ? child.split('/').pop()! : undefined;
        if (name !== undefined && !used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
        visit(child);
      }
    }
  };
  visit(paths);
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...document, paths, components: { ...document.components, schemas: kept } };
}

/**
 * Swagger UI at `/docs`, the document at `/docs-json`, the contract at `/docs/contract.md`. The page gets
 * a POST example with a requestId of its own, so that each reader's first try stores a new callback.
 */
export function setupSwagger(app: INestApplication): void {
  const config = app.get<AppConfigService>(ConfigService);
  const options: OpenApiOptions = {
    adminApi: app.get(AdminApiConfig).enabled,
    timeZone: config.get('CALLBACK_TIMEZONE', { infer: true }),
  };
  const contract = readContract();
  if (contract !== undefined) {
    app
      .getHttpAdapter()
      .get(CONTRACT_PATH, (_request: Request, response: Response) =>
        response.type('text/markdown; charset=utf-8').send(contract),
      );
  }
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app, options), {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    customSiteTitle: 'SMS delivery-callback API',
    // No validator badge: it would call validator.swagger.io, which an internal network cannot reach.
    swaggerOptions: {
      persistAuthorization: true,
      deepLinking: true,
      displayRequestDuration: true,
      validatorUrl: null,
      plugins: [createdFirstPlugin],
    },
    patchDocumentOnRequest: (request, _response, document) =>
      (request as Request).path.endsWith('swagger-ui-init.js') ? withFreshTryItOutExample(document) : document,
  });
}

/** The document with the POST's example requestId and referentId new (the served JSON stays the same). */
function withFreshTryItOutExample(document: OpenAPIObject): OpenAPIObject {
  const copy = structuredClone(document);
  const body = copy.paths[CALLBACK_PATH_IN_DOCUMENT]?.post?.requestBody as
    { content: Record<string, { examples?: Record<string, { value?: unknown }> }> } | undefined;
  const example = body?.content['application/json']?.examples?.[CALLBACK_EXAMPLE_NAME];
  if (example) {
    const id = randomUUID().slice(0, 8);
    example.value = { ...CALLBACK_EXAMPLE, requestId: `try-${id}`, referentId: `msg-try-${id}` };
  }
  return copy;
}

/** `docs/contract.md`, found from here in the sources (`src/`) and in the build (`dist/src/`). */
function readContract(): string | undefined {
  for (const root of [join(__dirname, '..'), join(__dirname, '..', '..')]) {
    try {
      return readFileSync(join(root, 'docs', 'contract.md'), 'utf8');
    } catch {
      // not here: try the next one
    }
  }
  return undefined;
}

/** The document with its keys sorted, as committed in `openapi.json`. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
