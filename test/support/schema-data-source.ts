import { DataSource, DataSourceOptions } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/data-source.options';

const embedded = process.env.DB_POOL_SIZE === '1';

/**
 * A data source on the suite's database whose connections work in `schema` (search_path), so that a test can
 * migrate and fill tables of its own without touching the suite's. On a server every connection of its pool (3)
 * starts so; on the embedded database every connection shares one backend: one pooled connection, set after it
 * connects and reset when the data source is destroyed.
 */
export async function schemaDataSource(schema: string, migrations: Array<new () => unknown>): Promise<DataSource> {
  const options = buildDataSourceOptions({ url: process.env.DATABASE_URL!, poolSize: embedded ? 1 : 3 }) as Extract<
    DataSourceOptions,
    { type: 'postgres' }
  >;
  const dataSource = new DataSource({
    ...options,
    schema,
    migrations: migrations as never,
    extra: embedded ? options.extra : { ...options.extra, options: `-c search_path=${schema}` },
  });
  await dataSource.initialize();
  if (!embedded) {
    return dataSource;
  }
  await dataSource.query(`SET search_path TO ${schema}`);
  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    await dataSource.query('RESET search_path');
    await destroy();
  };
  return dataSource;
}

/** A schema created now, dropped (with everything in it) by the returned function. */
export async function withSchema(schema: string): Promise<() => Promise<void>> {
  const admin = new DataSource(buildDataSourceOptions({ url: process.env.DATABASE_URL!, poolSize: 1 }));
  await admin.initialize();
  await admin.query(`CREATE SCHEMA ${schema}`);
  return async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.destroy();
  };
}
