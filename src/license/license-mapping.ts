import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import type { LicenseDto } from './dto/license.dto';
import type { LicenseEventDto } from './dto/license-event.dto';
import type { FieldChange, LicenseEvent } from './license-event.entity';
import type { License } from './license.entity';
import { stateOf } from './license-state';

/** An instant: a Date, or an ISO 8601 string (as the admin API receives it). */
export type Instant = Date | string;

/** The fields whose changes the audit trail records. Never the key or its hash. */
export const AUDITED_FIELDS = [
  'label',
  'status',
  'validFrom',
  'expiresAt',
  'rateLimitPerSecond',
  'allowedIps',
] as const;

/** A license as the API returns it; `defaultRateLimit` applies to a license without a limit of its own. */
export function toLicenseDto(license: License, defaultRateLimit: number, now = new Date()): LicenseDto {
  const effective = license.rateLimitPerSecond ?? defaultRateLimit;
  return {
    id: license.id,
    enterpriseId: license.enterpriseId,
    label: license.label,
    keyPrefix: license.keyPrefix,
    status: license.status,
    state: stateOf(license, now),
    validFrom: license.validFrom.toISOString(),
    expiresAt: license.expiresAt?.toISOString() ?? null,
    rateLimitPerSecond: license.rateLimitPerSecond,
    effectiveRateLimitPerSecond: effective > 0 ? effective : null,
    allowedIps: license.allowedIps ?? [],
    rotatedFromId: license.rotatedFromId ?? null,
    lastUsedAt: license.lastUsedAt?.toISOString() ?? null,
    createdAt: license.createdAt.toISOString(),
    updatedAt: license.updatedAt.toISOString(),
  };
}

export function notFound(id: string): ApiError {
  return ApiError.field(HttpStatus.NOT_FOUND, 'id', 'exists', `No license ${id}.`);
}

export function assertNotRevoked(license: License, verb: string): void {
  if (license.status === 'revoked') {
    throw ApiError.field(
      HttpStatus.CONFLICT,
      'status',
      'isNotRevoked',
      `License ${license.id} is revoked: revocation is final, it cannot be ${verb}.`,
    );
  }
}

export function assertValidityOrder(validFrom: Date, expiresAt: Date | null): void {
  if (expiresAt && expiresAt.getTime() <= validFrom.getTime()) {
    throw ApiError.field(HttpStatus.BAD_REQUEST, 'expiresAt', 'isAfterValidFrom', 'expiresAt must be after validFrom.');
  }
}

export function toDate(value: Instant | null | undefined): Date | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  return value instanceof Date ? value : new Date(value);
}

/** Trimmed, without duplicates, in the order given. */
export function normalizeAllowedIps(entries: string[] | null | undefined): string[] {
  return [...new Set((entries ?? []).map((entry) => entry.trim()))];
}

/** A column value as the audit trail keeps it (JSON): instants as ISO strings. */
export function auditValue(value: unknown): unknown {
  if (value instanceof Date) {
    return value.toISOString();
  }
  return value ?? null;
}

export function creationChanges(license: License): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {
    enterpriseId: { before: null, after: license.enterpriseId },
    keyPrefix: { before: null, after: license.keyPrefix },
  };
  for (const field of AUDITED_FIELDS) {
    changes[field] = { before: null, after: auditValue(license[field]) };
  }
  return changes;
}

export function toEventDto(event: LicenseEvent): LicenseEventDto {
  return {
    id: event.id,
    licenseId: event.licenseId,
    action: event.action,
    changes: event.changes,
    actor: event.actor,
    occurredAt: event.occurredAt.toISOString(),
  };
}
