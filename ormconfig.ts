import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './src/database/data-source.options';
import { EmbeddedDatabase } from './src/database/embedded-database';

/**
 * The data source of the TypeORM CLI (`npm run migration:generate|run|revert|show`): the same options as
 * the service, on DATABASE_URL or, when unset, the embedded database in EMBEDDED_DB_DIR (through the
 * running service's socket if it is up).
 */
async function createDataSource(): Promise<DataSource> {
  const url = process.env.DATABASE_URL?.trim();
  if (url) {
    return new DataSource(buildDataSourceOptions({ url, poolSize: 1 }));
  }
  const embedded = await EmbeddedDatabase.start({
    dataDir: process.env.EMBEDDED_DB_DIR?.trim() || './data/pglite',
    attachIfRunning: true,
  });
  const dataSource = new DataSource(buildDataSourceOptions({ url: embedded.url, poolSize: 1 }));
  // Stop the embedded database when the CLI is done with the data source.
  const destroy = dataSource.destroy.bind(dataSource);
  dataSource.destroy = async () => {
    await destroy();
    await embedded.stop();
  };
  return dataSource;
}

export const dataSource = createDataSource();
