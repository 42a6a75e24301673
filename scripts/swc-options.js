// How SWC compiles the project's TypeScript, for Jest (jest.config.js) and for running src/ directly
// (scripts/register-ts.js). `decoratorMetadata` matters: Nest DI, class-validator and Swagger read it.
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2023',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
