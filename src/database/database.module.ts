import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source.options';
import { EMBEDDED_DATABASE_OPTIONS, EmbeddedDatabaseHolder } from './embedded-database.provider';
import { runMigrationsExclusively } from './migrate';

export interface DatabaseModuleOptions {
  /**
   * When the embedded database directory is open in another process (the running service), connect
   * through that process's socket instead of refusing to start. For tools such as the license CLI.
   */
  attachIfRunning?: boolean;
}

/**
 * TypeORM on PostgreSQL: the server named by DATABASE_URL, or the embedded one. Pending migrations
 * are applied at start-up, each in its own transaction, one instance at a time (see `runMigrationsExclusively`).
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    const embedded: DynamicModule = {
      module: class EmbeddedDatabaseModule {},
      providers: [{ provide: EMBEDDED_DATABASE_OPTIONS, useValue: options }, EmbeddedDatabaseHolder],
      exports: [EmbeddedDatabaseHolder],
    };
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          imports: [embedded],
          inject: [EmbeddedDatabaseHolder],
          useFactory: async (holder: EmbeddedDatabaseHolder) => ({
            ...buildDataSourceOptions(await holder.connectionSettings()),
            retryAttempts: 3,
            retryDelay: 1_000,
          }),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            try {
              await runMigrationsExclusively(dataSource);
            } catch (err) {
              await dataSource.destroy();
              throw err;
            }
            return dataSource;
          },
        }),
      ],
    };
  }
}
