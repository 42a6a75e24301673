import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_API_KEY_HEADER } from './admin/admin-api-key.guard';
import { ADMIN_API_KEY_SECURITY } from './admin/admin-auth.decorator';
import { DOCS_PATH } from './common/root.controller';
import { API_KEY_HEADER } from './license/api-key.guard';
import { API_KEY_SECURITY } from './license/api-key-auth.decorator';
import { ADMIN_LICENSES_TAG } from './license/license-admin.controller';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('SMS delivery-callback API')
    .setDescription(
      'Vendors (SMS gateways, telco aggregators) report here what happened to each SMS they sent for an ' +
        'enterprise of the platform. Every response, success or error, is the envelope ' +
        '`{code, data, message, errors, total_record, current_page}`.\n\n' +
        'A 2xx means the callback is stored and will not be lost; any other answer means "send it again", ' +
        'and sending it again never stores it twice.\n\n' +
        'Authorize once with your `API-KEY` (button on the right) to try the routes from this page.',
    )
    .setVersion('1.0')
    .addSecurity(API_KEY_SECURITY, {
      type: 'apiKey',
      in: 'header',
      name: API_KEY_HEADER,
      description: 'The key of an active license of your enterprise (`npm run license -- issue ...`).',
    })
    .addSecurity(ADMIN_API_KEY_SECURITY, {
      type: 'apiKey',
      in: 'header',
      name: ADMIN_API_KEY_HEADER,
      description: 'The admin credential (ADMIN_API_KEY). Without it configured, the admin API answers 404.',
    })
    // Tags in the order a reader needs them: the vendor API first.
    .addTag(
      'SMS callback',
      'The vendor API: report delivery results (POST) and read them back (GET), with an `API-KEY` of an active ' +
        'license of the enterprise.',
    )
    .addTag(
      ADMIN_LICENSES_TAG,
      'For the portal behind the Key (License) page: create, list, change, suspend, resume, revoke and rotate ' +
        'licenses, and read their audit trail. Keys are shown once, at creation or rotation.',
    )
    .addTag('Operations', 'Health probes and metrics for the people and systems that run the service.')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at `/docs`, the document at `/docs-json`. */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    customSiteTitle: 'SMS delivery-callback API',
    // No validator badge: it would call validator.swagger.io, which an internal network cannot reach.
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true, validatorUrl: null },
  });
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
