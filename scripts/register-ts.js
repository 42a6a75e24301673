// A require hook that compiles the project's TypeScript with SWC on the fly (the same settings as
// jest.config.js), so that the tests can run `src/main.ts` and the license CLI as real processes
// without a build: `node -r ./scripts/register-ts.js src/main.ts`.
const { transformSync } = require('@swc/core');
const { readFileSync } = require('node:fs');

const options = require('./swc-options');

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
