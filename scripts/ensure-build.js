// Builds dist/ when it is missing, so `npm run license` and `npm run callbacks` work on a fresh clone too.
const { existsSync } = require('node:fs');
const { execSync } = require('node:child_process');

if (!existsSync('dist/src/license/cli/license.cli.js') || !existsSync('dist/src/sms-callback/cli/callbacks.cli.js')) {
  process.stderr.write('Building the project first (dist/ is missing)...\n');
  execSync('npx nest build', { stdio: ['ignore', process.stderr, 'inherit'] });
}
