import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';
import { AppModule } from './app.module';
import { PageQuery } from './common/dto/page.query';
import { CreateLicenseDto } from './license/dto/create-license.dto';
import { ListLicensesQuery } from './license/dto/list-licenses.query';
import { RotateLicenseQuery } from './license/dto/rotate-license.query';
import { UpdateLicenseDto } from './license/dto/update-license.dto';
import { CreateSmsCallbackDto } from './sms-callback/dto/create-sms-callback.dto';
import { ListSmsCallbacksQuery, SmsCallbackFilterQuery } from './sms-callback/dto/list-sms-callbacks.query';
import { buildOpenApiDocument, FULL_DOCUMENT } from './swagger';

interface Schema {
  type?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  enum?: unknown[];
  items?: Schema;
}

/** What the document must say of a property, read from its class-validator rules. */
function expectedOf(dto: Type<unknown>, property: string): { required: boolean; schema: Schema } {
  const rules = getMetadataStorage()
    .getTargetValidationMetadatas(dto, '', true, false)
    .filter((rule) => rule.propertyName === property && !rule.each);
  const named = (name: string) => rules.find((rule) => rule.name === name)?.constraints?.[0] as number | undefined;
  const schema: Schema = {};
  if (named('maxLength') !== undefined) {
    schema.maxLength = named('maxLength');
  }
  if (rules.some((rule) => rule.name === 'isNotEmpty' || rule.name === 'minLength')) {
    schema.minLength = named('minLength') ?? 1;
  }
  if (named('min') !== undefined) {
    schema.minimum = named('min');
  }
  if (named('max') !== undefined) {
    schema.maximum = named('max');
  }
  if (named('arrayMaxSize') !== undefined) {
    schema.maxItems = named('arrayMaxSize');
  }
  if (rules.some((rule) => rule.name === 'isInt')) {
    schema.type = 'integer';
  }
  const isIn = rules.find((rule) => rule.name === 'isIn')?.constraints?.[0] as unknown[] | undefined;
  if (isIn) {
    schema.enum = isIn;
  }
  const required = !rules.some((rule) => rule.type === 'conditionalValidation');
  return { required, schema };
}

/** The keys of `expected` as the document has them (undefined where it has nothing). */
function pick(documented: Schema | undefined, expected: Schema): Schema {
  return Object.fromEntries(Object.keys(expected).map((key) => [key, documented?.[key as keyof Schema]]));
}

function flat({ required, schema }: { required: boolean; schema: Schema }): Schema & { required: boolean } {
  return { required, ...schema };
}

function propertiesOf(dto: Type<unknown>): string[] {
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  return [...new Set(rules.map((rule) => rule.propertyName))];
}

describe('the OpenAPI document and the validation rules', () => {
  let document: ReturnType<typeof buildOpenApiDocument>;

  beforeAll(async () => {
    const app = await NestFactory.create(AppModule, { preview: true, logger: false, abortOnError: false });
    document = buildOpenApiDocument(app, FULL_DOCUMENT);
    await app.close();
  });

  it.each([
    ['CreateSmsCallbackDto', CreateSmsCallbackDto],
    ['CreateLicenseDto', CreateLicenseDto],
    ['UpdateLicenseDto', UpdateLicenseDto],
  ])('should give every property of the body %s the limits the service enforces', (name, dto) => {
    const schema = document.components!.schemas![name] as { properties: Record<string, Schema>; required?: string[] };
    const documented = propertiesOf(dto).map((property) => ({
      property,
      required: (schema.required ?? []).includes(property),
      ...pick(schema.properties[property], expectedOf(dto, property).schema),
    }));
    const enforced = propertiesOf(dto).map((property) => ({ property, ...flat(expectedOf(dto, property)) }));
    expect(documented).toEqual(enforced);
  });

  it.each([
    ['GET', '/api/vendor/v1/sms/callback', ListSmsCallbacksQuery],
    ['GET', '/api/vendor/v1/sms/callback/stats', SmsCallbackFilterQuery],
    ['GET', '/api/admin/v1/licenses', ListLicensesQuery],
    ['GET', '/api/admin/v1/licenses/{id}/events', PageQuery],
    ['POST', '/api/admin/v1/licenses/{id}/rotate', RotateLicenseQuery],
  ])('should give every query parameter of %s %s the limits the service enforces', (method, path, dto) => {
    const operation = document.paths[path][method.toLowerCase() as 'get'];
    const parameters = (operation?.parameters ?? []) as Array<{
      in: string;
      name: string;
      required?: boolean;
      schema: Schema;
    }>;
    const documented = propertiesOf(dto).map((property) => {
      const parameter = parameters.find((candidate) => candidate.in === 'query' && candidate.name === property);
      return {
        property,
        required: parameter?.required ?? false,
        ...pick(parameter?.schema, expectedOf(dto, property).schema),
      };
    });
    const enforced = propertiesOf(dto).map((property) => ({ property, ...flat(expectedOf(dto, property)) }));
    expect(documented).toEqual(enforced);
  });
});
