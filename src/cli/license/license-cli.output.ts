import type { LicenseDto } from '../../license/dto/license.dto';
import type { LicenseEventDto } from '../../license/dto/license-event.dto';

// What the license CLI prints: its usage, and licenses and events for people or as JSON.

export const USAGE = `Usage: npm run license -- <command> [options]    (or: bin/license <command> [options])

Commands (the same operations as the admin API, through the same service; every change is audited):
  issue --enterprise <id> [--label <text>] [--valid-from <date>] [--expires <date>]
        [--rate-limit <n>] [--allow-ip <ip|cidr>]... [--json]
        Issue a license and print its API key. The key is shown once: only its hash is stored.
  list [--enterprise <id>] [--status active|suspended|revoked] [--expiring-before <date>] [--json]
        List licenses (never their keys).
  show <license id> [--json]
  update <license id> [--label <text>] [--valid-from <date>] [--expires <date>|never]
         [--rate-limit <n>|default] [--allow-ip <ip|cidr>]... [--allow-any-ip] [--json]
        Change a license; options left out stay as they are (--label "" clears the label).
  suspend <license id> [--json]     The key stops working until resumed.
  resume <license id> [--json]      A suspended key works again (never a revoked one).
  revoke <license id> [--json]      Revoke for good: the key stops working.
  rotate <license id> [--overlap <duration>] [--json]
        Issue a new key with the same settings and print it (once); the old key keeps working for the
        overlap (default 24h; e.g. 0, 90s, 30m, 12h, 7d), then stops.
  events <license id> [--limit <n>] [--json]
        The audit trail of a license, newest first (default: the last 50 changes).

Dates are ISO 8601 (2027-01-01 or 2027-01-01T00:00:00Z). A running service sees a change within a
second. The database is DATABASE_URL, or the embedded one in EMBEDDED_DB_DIR
(also while the service runs).`;

export function showKey(sentence: string, license: LicenseDto & { apiKey: string }): string {
  return [
    sentence,
    ...describe(license),
    `  API-KEY:     ${license.apiKey}`,
    '',
    'Store the key now: it is shown only this once (the service keeps only its hash).',
    '',
  ].join('\n');
}

export function view(license: LicenseDto) {
  return {
    id: license.id,
    enterprise: license.enterpriseId,
    label: license.label,
    keyPrefix: license.keyPrefix,
    status: license.status,
    state: license.state,
    validFrom: license.validFrom,
    expiresAt: license.expiresAt,
    rateLimitPerSecond: license.rateLimitPerSecond,
    allowedIps: license.allowedIps,
    rotatedFromId: license.rotatedFromId,
    createdAt: license.createdAt,
    lastUsedAt: license.lastUsedAt,
  };
}

export function describe(license: LicenseDto): string[] {
  return [
    `  id:          ${license.id}`,
    `  enterprise:  ${license.enterpriseId}`,
    `  label:       ${license.label ?? '-'}`,
    `  key prefix:  ${license.keyPrefix}…`,
    `  status:      ${license.status}${license.state === license.status ? '' : ` (${license.state})`}`,
    `  valid from:  ${license.validFrom}`,
    `  expires:     ${license.expiresAt ?? 'never'}`,
    `  rate limit:  ${license.rateLimitPerSecond === null ? 'default' : `${license.rateLimitPerSecond}/s`}`,
    `  allowed IPs: ${license.allowedIps.length === 0 ? 'any' : license.allowedIps.join(', ')}`,
    ...(license.rotatedFromId ? [`  rotated from: ${license.rotatedFromId}`] : []),
    `  last used:   ${license.lastUsedAt ?? 'never'}`,
  ];
}

export function describeEvent(event: LicenseEventDto): string {
  const changes = Object.entries(event.changes)
    .map(([field, { before, after }]) => `${field}: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`)
    .join('; ');
  return `${event.occurredAt}  ${event.action.padEnd(9)}  by ${event.actor}  ${changes}`;
}
