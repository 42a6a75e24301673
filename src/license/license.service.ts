import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { Page } from '../common/envelope';
import { generateApiKey, hashApiKey, keyPrefixOf } from './api-key';
import type { IssuedLicenseDto, LicenseDto, RotatedLicenseDto } from './dto/license.dto';
import type { LicenseEventDto } from './dto/license-event.dto';
import { DEFAULT_ROTATION_OVERLAP_SECONDS } from './dto/rotate-license.query';
import { LicenseCache } from './license-cache';
import type { FieldChange, LicenseEventAction } from './license-event.entity';
import {
  AUDITED_FIELDS,
  assertNotRevoked,
  assertValidityOrder,
  auditValue,
  creationChanges,
  normalizeAllowedIps,
  notFound,
  toDate,
  toEventDto,
  toLicenseDto,
  type Instant,
} from './license-mapping';
import { stateOf } from './license-state';
import type { License, LicenseStatus } from './license.entity';
import { LicenseOptions } from './license.options';
import { LicenseChanges, LicenseFilter, LicenseRepository } from './license.repository';

/** The actor of changes made by the service itself (and by tests). */
export const SYSTEM_ACTOR = 'system';

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

/**
 * Licenses and their keys: issuing, the lifecycle (change, suspend, resume, revoke, rotate) with an audit
 * row per change, and the verification of the key of each request (through {@link LicenseCache}). The
 * admin API and the CLI both go through here.
 */
@Injectable()
export class LicenseService {
  private readonly logger = new Logger(LicenseService.name);

  constructor(
    private readonly licenses: LicenseRepository,
    private readonly cache: LicenseCache,
    private readonly options: LicenseOptions,
  ) {}

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

  private toDto(license: License): LicenseDto {
    return toLicenseDto(license, this.options.defaultRateLimitPerSecond);
  }
}
