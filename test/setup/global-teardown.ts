import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DataSource } from 'typeorm';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as Record<string, unknown>).__EMBEDDED_PG__ as
    Array<{ db: PGlite; server: PGLiteSocketServer }> | undefined;
  if (embedded) {
    for (const { db, server } of embedded) {
      await server.stop();
      await db.close();
    }
    return;
  }
  const replica = process.env.TEST_REPLICA_DATABASE_URL;
  if (replica && process.env.DATABASE_URL) {
    const admin = await new DataSource({ type: 'postgres', url: process.env.DATABASE_URL }).initialize();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${new URL(replica).pathname.slice(1)}" WITH (FORCE)`);
    } finally {
      await admin.destroy();
    }
  }
}
