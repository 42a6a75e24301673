import { NestFactory } from '@nestjs/core';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { buildOpenApiDocument, FULL_DOCUMENT, sortKeys } from './swagger';

const COMMITTED = join(__dirname, '..', 'openapi.json');

/**
 * The committed `openapi.json` is the API as the code declares it: a change to the API shows up in review.
 * `npm run openapi` rewrites the file.
 */
describe('openapi.json', () => {
  it('should match the document the code generates', async () => {
    // Preview mode builds the module graph without instantiating providers: no database needed.
    const app = await NestFactory.create(AppModule, { preview: true, logger: false, abortOnError: false });
    const generated = `${JSON.stringify(sortKeys(buildOpenApiDocument(app, FULL_DOCUMENT)), null, 2)}\n`;
    await app.close();
    if (process.env.UPDATE_OPENAPI === '1') {
      writeFileSync(COMMITTED, generated);
    }
    expect(readFileSync(COMMITTED, 'utf8')).toBe(generated);
  });
});
