/**
 * Runs `src/main.ts` as the primary of the multi-process mode, with `cluster.fork` replaced: at the first
 * fork it prints the packages the primary has loaded by then (those in `require.cache`, as a JSON array on
 * the last line of stdout) and exits 0, forking nothing.
 */
import cluster from 'node:cluster';

cluster.fork = (() => {
  const packages = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file)?.[1];
    if (name !== undefined) {
      packages.add(name);
    }
  }
  process.stdout.write(`\n${JSON.stringify([...packages].sort())}\n`);
  process.exit(0);
}) as typeof cluster.fork;

// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../../src/main');
