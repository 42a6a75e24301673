// Builds dist/ when it is missing, so `npm run license`, `bin/license` and `npm run callbacks` work on a fresh clone.
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const built = ['dist/src/cli/license/license.cli.js', 'dist/src/cli/callbacks/callbacks.cli.js'];
if (!built.every((file) => existsSync(join(root, file)))) {
  process.stderr.write('Building the project first (dist/ is missing)...\n');
  execSync('npx nest build', { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
}
