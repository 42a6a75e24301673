import { runTs } from '../../support/processes';

describe('The primary of WEB_CONCURRENCY > 1', () => {
  it('should load only the cluster code: neither the library, Nest, TypeORM nor the database clients', async () => {
    const { code, stdout, stderr } = await runTs('test/support/primary-packages.ts', [], {
      ...process.env,
      WEB_CONCURRENCY: '2',
      // Validated, never connected to: the primary holds no connection.
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/unused_test',
      REDIS_URL: '',
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const packages = JSON.parse(stdout.trim().split('\n').pop()!) as string[];
    expect(packages).toContain('prom-client');
    const heavy = ['typeorm', 'pg', 'ioredis', 'amqplib', '@nestjs/common', '@nestjs/core', '@electric-sql/pglite'];
    expect(packages.filter((name) => heavy.includes(name))).toEqual([]);
  });
});
