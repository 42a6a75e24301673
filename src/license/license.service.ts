import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiError } from '../common/api-error';
import { Page } from '../common/envelope';
import type { AppConfigService } from '../config/app-config.type';
import { generateApiKey, hashApiKey, keyPrefixOf } from './api-key';
import { IssuedLicenseDto, LicenseDto, LicenseState, RotatedLicenseDto } from './dto/license.dto';
import { LicenseEventDto } from './dto/license-event.dto';
import { DEFAULT_ROTATION_OVERLAP_SECONDS } from './dto/rotate-license.query';
import { CachedLicense, LicenseCache } from './license-cache';
import type { LicenseContext } from './license-context';
import type { FieldChange, LicenseEvent, LicenseEventAction } from './license-event.entity';
import { License, LicenseStatus } from './license.entity';
import { LicenseChanges, LicenseFilter, LicenseRepository } from './license.repository';

/** The actor of changes made by the service itself (and by tests). */
export const SYSTEM_ACTOR = 'system';

/** An instant: a Date, or an ISO 8601 string (as the admin API receives it). */
type Instant = Date | string;

export interface IssueLicenseInput {
  enterpriseId: string;
  label?: string | null;
  validFrom?: Instant;
  expiresAt?: Instant | null;
  rateLimitPerSecond?: number | null;
  allowedIps?: string[] | null;
}

/** The settings a change may set; a field left out (undefined) stays as it is. */
export type LicenseUpdate = Omit<IssueLicenseInput, 'enterpriseId'>;

export interface LicenseListQuery {
  page: number;
  limit: number;
  enterpriseId?: string;
  status?: LicenseStatus;
  expiringBefore?: Instant;
}

/** A license that may call the API now, with what the guards after verification need. */
export interface VerifiedLicense extends LicenseContext {
  /** Requests per second it may make; 0: no limit. */
  rateLimitPerSecond: number;
}

export interface VerifyOptions {
  /** The client address of the request, checked against the license's allow-list. */
  clientIp?: string;
  now?: Date;
}

/** Why a real key may not call the API right now; `undefined` when it may. */
export function inactiveReason(
  license: Pick<License, 'status' | 'validFrom' | 'expiresAt'>,
  now: Date,
): string | undefined {
  if (license.status === 'revoked') {
    return 'The license of this API-KEY has been revoked.';
  }
  if (license.status === 'suspended') {
    return 'The license of this API-KEY is suspended.';
  }
  if (license.validFrom.getTime() > now.getTime()) {
    return `The license of this API-KEY is not valid before ${license.validFrom.toISOString()}.`;
  }
  if (license.expiresAt && license.expiresAt.getTime() <= now.getTime()) {
    return `The license of this API-KEY expired at ${license.expiresAt.toISOString()}.`;
  }
  return undefined;
}

function stateOf(license: Pick<License, 'status' | 'validFrom' | 'expiresAt'>, now: Date): LicenseState {
  if (license.status !== 'active') {
    return license.status;
  }
  if (license.validFrom.getTime() > now.getTime()) {
    return 'not_yet_valid';
  }
  if (license.expiresAt && license.expiresAt.getTime() <= now.getTime()) {
    return 'expired';
  }
  return 'active';
}

/** How often `last_used_at` is written for one license: minute precision is enough. */
const LAST_USED_PRECISION_MS = 60_000;

/** The fields whose changes the audit trail records. Never the key or its hash. */
const AUDITED_FIELDS = ['label', 'status', 'validFrom', 'expiresAt', 'rateLimitPerSecond', 'allowedIps'] as const;

/**
 * Licenses and their keys: issuing, the lifecycle (change, suspend, resume, revoke, rotate) with an audit
 * row per change, and the verification of the key of each request (through {@link LicenseCache}). The
 * admin API and the CLI both go through here.
 */
@Injectable()
export class LicenseService {
  private readonly logger = new Logger(LicenseService.name);
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly defaultRateLimit: number;

  constructor(
    private readonly licenses: LicenseRepository,
    private readonly cache: LicenseCache,
    @Inject(ConfigService) config: AppConfigService,
  ) {
    this.defaultRateLimit = config.get('LICENSE_RATE_LIMIT_PER_SECOND', { infer: true });
  }

  /** Creates a license; the key is in the result, once: only its hash is stored. */
  async issue(input: IssueLicenseInput, actor = SYSTEM_ACTOR): Promise<IssuedLicenseDto> {
    const validFrom = toDate(input.validFrom) ?? new Date();
    const expiresAt = toDate(input.expiresAt) ?? null;
    assertValidityOrder(validFrom, expiresAt);
    const apiKey = generateApiKey();
    const license = await this.licenses.transaction(async (tx) => {
      const created = await tx.create({
        enterpriseId: input.enterpriseId,
        label: input.label ?? null,
        keyPrefix: keyPrefixOf(apiKey),
        keyHash: hashApiKey(apiKey),
        validFrom,
        expiresAt,
        rateLimitPerSecond: input.rateLimitPerSecond ?? null,
        allowedIps: normalizeAllowedIps(input.allowedIps),
      });
      await tx.addEvent({ licenseId: created.id, action: 'created', changes: creationChanges(created), actor });
      return created;
    });
    this.logger.log(`Issued license ${license.id} (${license.keyPrefix}…) for enterprise ${license.enterpriseId}`);
    return { ...this.toDto(license), apiKey };
  }

  /** Every license (of one enterprise), oldest first: for the CLI. */
  async list(filter: LicenseFilter = {}): Promise<LicenseDto[]> {
    const licenses = await this.licenses.findAll(filter);
    return licenses.map((license) => this.toDto(license));
  }

  /** A page of licenses, newest first. */
  async findPage(query: LicenseListQuery): Promise<Page<LicenseDto>> {
    const [licenses, total] = await this.licenses.findPage(
      { enterpriseId: query.enterpriseId, status: query.status, expiringBefore: toDate(query.expiringBefore) },
      (query.page - 1) * query.limit,
      query.limit,
    );
    return new Page(
      licenses.map((license) => this.toDto(license)),
      total,
      query.page,
    );
  }

  async get(id: string): Promise<LicenseDto> {
    return this.toDto(await this.find(id));
  }

  /** A page of the license's audit trail, newest first. */
  async events(id: string, page: number, limit: number): Promise<Page<LicenseEventDto>> {
    await this.find(id);
    const [events, total] = await this.licenses.findEventPage(id, (page - 1) * limit, limit);
    return new Page(events.map(toEventDto), total, page);
  }

  /** Changes the label, validity dates, rate limit or allowed addresses. A revoked license is final: 409. */
  update(id: string, update: LicenseUpdate, actor = SYSTEM_ACTOR): Promise<LicenseDto> {
    return this.change(id, 'updated', actor, (license) => {
      assertNotRevoked(license, 'changed');
      const changes: LicenseChanges = {};
      if (update.label !== undefined) {
        changes.label = update.label;
      }
      if (update.validFrom !== undefined) {
        changes.validFrom = toDate(update.validFrom);
      }
      if (update.expiresAt !== undefined) {
        changes.expiresAt = toDate(update.expiresAt) ?? null;
      }
      if (update.rateLimitPerSecond !== undefined) {
        changes.rateLimitPerSecond = update.rateLimitPerSecond;
      }
      if (update.allowedIps !== undefined) {
        changes.allowedIps = normalizeAllowedIps(update.allowedIps);
      }
      const expiresAt = changes.expiresAt === undefined ? license.expiresAt : changes.expiresAt;
      assertValidityOrder(changes.validFrom ?? license.validFrom, expiresAt);
      return changes;
    });
  }

  /** Stops the key working until it is resumed. Suspending a suspended license changes nothing. */
  suspend(id: string, actor = SYSTEM_ACTOR): Promise<LicenseDto> {
    return this.change(id, 'suspended', actor, (license) => {
      assertNotRevoked(license, 'suspended');
      return { status: 'suspended' };
    });
  }

  /** Lets a suspended key work again. A revoked license never comes back: 409. */
  resume(id: string, actor = SYSTEM_ACTOR): Promise<LicenseDto> {
    return this.change(id, 'resumed', actor, (license) => {
      assertNotRevoked(license, 'resumed');
      return { status: 'active' };
    });
  }

  /** Revocation is final: the key stops working for good. Revoking a revoked license changes nothing. */
  async revoke(id: string, actor = SYSTEM_ACTOR): Promise<LicenseDto> {
    const license = await this.change(id, 'revoked', actor, () => ({ status: 'revoked' }));
    this.logger.log(`Revoked license ${id} (${license.keyPrefix}…)`);
    return license;
  }

  /**
   * Issues a new license with the same enterprise and settings, and makes the old key stop working when the
   * overlap ends (now + overlap, or its own expiry if that is sooner). Only an active license that has not
   * expired, and that was not rotated already, can be rotated: 409 otherwise (of concurrent rotations of one
   * license, exactly one succeeds).
   */
  async rotate(
    id: string,
    overlapSeconds = DEFAULT_ROTATION_OVERLAP_SECONDS,
    actor = SYSTEM_ACTOR,
  ): Promise<RotatedLicenseDto> {
    const apiKey = generateApiKey();
    const { created, previous } = await this.licenses.transaction(async (tx) => {
      const old = await this.findForUpdate(tx, id);
      const now = new Date();
      assertNotRevoked(old, 'rotated');
      // Read under the row lock: of concurrent rotations, the first commits its successor and every later
      // one sees it here. A license is rotated once; its successor is the one to rotate next.
      const successor = await tx.findSuccessor(old.id);
      if (successor) {
        throw ApiError.field(
          HttpStatus.CONFLICT,
          'id',
          'isNotRotated',
          `License ${id} was already rotated to ${successor.id}: rotate that one instead.`,
        );
      }
      const state = stateOf(old, now);
      if (state === 'suspended' || state === 'expired') {
        throw ApiError.field(
          HttpStatus.CONFLICT,
          'status',
          'isRotatable',
          `License ${id} is ${state}: only a license that has not expired and is not suspended can be rotated.`,
        );
      }
      const overlapEnd = new Date(now.getTime() + overlapSeconds * 1000);
      const oldExpiry = old.expiresAt && old.expiresAt.getTime() < overlapEnd.getTime() ? old.expiresAt : overlapEnd;
      const validFrom = old.validFrom.getTime() > now.getTime() ? old.validFrom : now;
      const fresh = await tx.create({
        enterpriseId: old.enterpriseId,
        label: old.label,
        keyPrefix: keyPrefixOf(apiKey),
        keyHash: hashApiKey(apiKey),
        validFrom,
        expiresAt: old.expiresAt,
        rateLimitPerSecond: old.rateLimitPerSecond,
        allowedIps: old.allowedIps,
        rotatedFromId: old.id,
      });
      await tx.addEvent({
        licenseId: fresh.id,
        action: 'created',
        changes: { ...creationChanges(fresh), rotatedFromId: { before: null, after: old.id } },
        actor,
      });
      const changes: Record<string, FieldChange> = { rotatedTo: { before: null, after: fresh.id } };
      if (oldExpiry !== old.expiresAt) {
        await tx.update(old.id, { expiresAt: oldExpiry });
        changes.expiresAt = { before: auditValue(old.expiresAt), after: auditValue(oldExpiry) };
      }
      await tx.addEvent({ licenseId: old.id, action: 'rotated', changes, actor });
      await tx.announceChange(old.id);
      return { created: fresh, previous: (await tx.findById(old.id))! };
    });
    this.cache.invalidate(id);
    this.logger.log(
      `Rotated license ${id} to ${created.id} (${created.keyPrefix}…), old key ends ${previous.expiresAt?.toISOString()}`,
    );
    return { ...this.toDto(created), apiKey, previous: this.toDto(previous) };
  }

  /**
   * The license behind a presented key, if it may call the API now, from this address. 401 when the key is
   * missing or matches no license; 403, saying why, when the license is not active or the address is not
   * on its allow-list. Answered from the cache when it can: no database round trip.
   */
  async verify(apiKey: string | undefined, options: VerifyOptions = {}): Promise<VerifiedLicense> {
    const now = options.now ?? new Date();
    if (!apiKey) {
      throw ApiError.field(HttpStatus.UNAUTHORIZED, 'API-KEY', 'isNotEmpty', 'The API-KEY header is required.');
    }
    const keyHash = hashApiKey(apiKey);
    const license = await this.cache.get(keyHash, () => this.licenses.findByKeyHash(keyHash));
    if (!license) {
      throw ApiError.field(HttpStatus.UNAUTHORIZED, 'API-KEY', 'isValid', 'The API-KEY does not match any license.');
    }
    const reason = inactiveReason(license, now);
    if (reason) {
      throw ApiError.field(HttpStatus.FORBIDDEN, 'API-KEY', 'isActive', reason);
    }
    if (options.clientIp !== undefined && !license.allowList.allows(options.clientIp)) {
      throw ApiError.field(
        HttpStatus.FORBIDDEN,
        'API-KEY',
        'isAllowedAddress',
        `This API-KEY may not be used from ${options.clientIp}.`,
      );
    }
    this.recordUse(license.id, now);
    return {
      licenseId: license.id,
      enterpriseId: license.enterpriseId,
      rateLimitPerSecond: this.rateLimitOf(license),
    };
  }

  private rateLimitOf(license: Pick<CachedLicense, 'rateLimitPerSecond'>): number {
    return license.rateLimitPerSecond ?? this.defaultRateLimit;
  }

  /**
   * One audited change, in a transaction that holds the license's row lock: `decide` returns the columns
   * to set (or throws); columns already at that value are left out, and nothing at all changes (no audit
   * row) when none is left.
   */
  private async change(
    id: string,
    action: LicenseEventAction,
    actor: string,
    decide: (license: License) => LicenseChanges,
  ): Promise<LicenseDto> {
    const { license, changed } = await this.licenses.transaction(async (tx) => {
      const current = await this.findForUpdate(tx, id);
      const wanted = decide(current);
      const changes: Record<string, FieldChange> = {};
      const columns: LicenseChanges = {};
      for (const field of AUDITED_FIELDS) {
        if (wanted[field] === undefined) {
          continue;
        }
        const before = auditValue(current[field]);
        const after = auditValue(wanted[field]);
        if (JSON.stringify(before) !== JSON.stringify(after)) {
          changes[field] = { before, after };
          Object.assign(columns, { [field]: wanted[field] });
        }
      }
      if (Object.keys(changes).length === 0) {
        return { license: current, changed: false };
      }
      await tx.update(id, columns);
      await tx.addEvent({ licenseId: id, action, changes, actor });
      await tx.announceChange(id);
      return { license: (await tx.findById(id))!, changed: true };
    });
    if (changed) {
      this.cache.invalidate(id);
    }
    return this.toDto(license);
  }

  private async find(id: string): Promise<License> {
    const license = await this.licenses.findById(id);
    if (!license) {
      throw notFound(id);
    }
    return license;
  }

  private async findForUpdate(tx: LicenseRepository, id: string): Promise<License> {
    const license = await tx.findByIdForUpdate(id);
    if (!license) {
      throw notFound(id);
    }
    return license;
  }

  private toDto(license: License, now = new Date()): LicenseDto {
    const effective = this.rateLimitOf(license);
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

  /** Writes `last_used_at` at most once a minute per license, off the request's path. */
  private recordUse(licenseId: string, now: Date): void {
    const last = this.lastUsedWritten.get(licenseId) ?? 0;
    if (now.getTime() - last < LAST_USED_PRECISION_MS) {
      return;
    }
    this.lastUsedWritten.set(licenseId, now.getTime());
    this.licenses.touchLastUsed(licenseId, now).catch((err: unknown) => {
      this.lastUsedWritten.delete(licenseId);
      this.logger.warn(`Could not record the use of license ${licenseId}: ${(err as Error).message}`);
    });
  }
}

function notFound(id: string): ApiError {
  return ApiError.field(HttpStatus.NOT_FOUND, 'id', 'exists', `No license ${id}.`);
}

function assertNotRevoked(license: License, verb: string): void {
  if (license.status === 'revoked') {
    throw ApiError.field(
      HttpStatus.CONFLICT,
      'status',
      'isNotRevoked',
      `License ${license.id} is revoked: revocation is final, it cannot be ${verb}.`,
    );
  }
}

function assertValidityOrder(validFrom: Date, expiresAt: Date | null): void {
  if (expiresAt && expiresAt.getTime() <= validFrom.getTime()) {
    throw ApiError.field(HttpStatus.BAD_REQUEST, 'expiresAt', 'isAfterValidFrom', 'expiresAt must be after validFrom.');
  }
}

function toDate(value: Instant | null | undefined): Date | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  return value instanceof Date ? value : new Date(value);
}

/** Trimmed, without duplicates, in the order given. */
function normalizeAllowedIps(entries: string[] | null | undefined): string[] {
  return [...new Set((entries ?? []).map((entry) => entry.trim()))];
}

/** A column value as the audit trail keeps it (JSON): instants as ISO strings. */
function auditValue(value: unknown): unknown {
  if (value instanceof Date) {
    return value.toISOString();
  }
  return value ?? null;
}

function creationChanges(license: License): Record<string, FieldChange> {
  const changes: Record<string, FieldChange> = {
    enterpriseId: { before: null, after: license.enterpriseId },
    keyPrefix: { before: null, after: license.keyPrefix },
  };
  for (const field of AUDITED_FIELDS) {
    changes[field] = { before: null, after: auditValue(license[field]) };
  }
  return changes;
}

function toEventDto(event: LicenseEvent): LicenseEventDto {
  return {
    id: event.id,
    licenseId: event.licenseId,
    action: event.action,
    changes: event.changes,
    actor: event.actor,
    occurredAt: event.occurredAt.toISOString(),
  };
}
