// The OpenAPI lint of the served document (/docs-json): every rule of Spectral's `oas` ruleset, run by
// test/openapi-contract.e2e-spec.ts, which wants no error and no warning. A rule turned off here says why.
// By hand: `npx @stoplight/spectral-cli lint openapi.json --ruleset .spectral.js` (the CLI is not a dependency).
const { oas } = require('@stoplight/spectral-rulesets');

module.exports = {
  extends: [[oas, 'all']],
  rules: {
    // The tags are in the order a reader needs them (the vendor API first, then admin, then operations),
    // which is the order Swagger UI shows them in.
    'openapi-tags-alphabetical': 'off',
    // An internal service of the platform: not licensed to anyone, no public contact (the platform team is
    // reached through the portal vendors already use).
    'info-license': 'off',
    'license-url': 'off',
    'info-contact': 'off',
    'contact-properties': 'off',
  },
};
