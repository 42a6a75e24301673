import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as Record<string, unknown>).__EMBEDDED_PG__ as
    { db: PGlite; server: PGLiteSocketServer } | undefined;
  if (embedded) {
    await embedded.server.stop();
    await embedded.db.close();
  }
}
