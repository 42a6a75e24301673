import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { DataSource } from 'typeorm';
import { connect } from 'amqplib';

/**
 * The e2e suite's PostgreSQL. With DATABASE_URL set: that server (its database name must look like a
 * test one: the suite writes to it). Without: an in-memory embedded PostgreSQL (PGlite) behind its
 * socket server, shared by every test file through DATABASE_URL.
 *
 * Also a second, empty database that stands in for a read replica (TEST_REPLICA_DATABASE_URL): on a server, the
 * database `<name>_replica` (dropped by the teardown); without one, a second embedded PostgreSQL.
 */
export default async function globalSetup(): Promise<void> {
  await probeBroker();
  const url = process.env.DATABASE_URL;
  if (url) {
    const database = new URL(url).pathname.slice(1);
    if (!/test/i.test(database)) {
      throw new Error(`Refusing to run the e2e suite against database "${database}": its name must contain "test".`);
    }
    process.env.TEST_REPLICA_DATABASE_URL = await createReplicaDatabase(url, `${database}_replica`);
    process.stdout.write(`\ne2e: PostgreSQL server, database ${database} (and ${database}_replica)\n`);
    return;
  }
  const [primary, replica] = [await startEmbedded(), await startEmbedded()];
  process.env.DATABASE_URL = primary.url;
  process.env.TEST_REPLICA_DATABASE_URL = replica.url;
  // PGlite has one backend: one connection per application keeps statements apart.
  process.env.DB_POOL_SIZE = '1';
  (globalThis as Record<string, unknown>).__EMBEDDED_PG__ = [primary, replica];
  process.stdout.write(`\ne2e: embedded PostgreSQL (PGlite) on ${new URL(primary.url).host}\n`);
}

async function startEmbedded(): Promise<{ db: PGlite; server: PGLiteSocketServer; url: string }> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
  await server.start();
  const port = (server as unknown as { port: number }).port;
  return { db, server, url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres` };
}

async function createReplicaDatabase(url: string, name: string): Promise<string> {
  const admin = await new DataSource({ type: 'postgres', url }).initialize();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.destroy();
  }
  const replicaUrl = new URL(url);
  replicaUrl.pathname = `/${name}`;
  return replicaUrl.toString();
}

/**
 * The stream's tests need RabbitMQ (TEST_BROKER_URL, default guest@127.0.0.1:5672). Without one they are
 * skipped with the reason (TEST_BROKER_SKIP_REASON), except on CI, which has one: there it is a failure.
 */
async function probeBroker(): Promise<void> {
  const url = process.env.TEST_BROKER_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  try {
    const connection = await connect(url, { timeout: 3_000 });
    await connection.close();
    process.env.TEST_BROKER_URL = url;
    process.stdout.write(`e2e: RabbitMQ at ${url.replace(/\/\/[^@/]*@/, '//')}\n`);
  } catch (err) {
    const reason = `no RabbitMQ reachable at ${url.replace(/\/\/[^@/]*@/, '//')} (${(err as Error).message})`;
    if (process.env.CI) {
      throw new Error(`${reason}: CI runs the stream tests on it (.ci/run starts RabbitMQ)`, { cause: err });
    }
    process.env.TEST_BROKER_SKIP_REASON = reason;
    process.stdout.write(`e2e: ${reason}: the tests of the stream to the broker are skipped\n`);
  }
}
