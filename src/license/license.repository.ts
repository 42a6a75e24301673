import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { LICENSE_CHANGED_CHANNEL } from './license-change';
import { LicenseEvent } from './license-event.entity';
import { License, LicenseStatus } from './license.entity';

export type NewLicense = Pick<License, 'enterpriseId' | 'label' | 'keyPrefix' | 'keyHash'> &
  Partial<Pick<License, 'validFrom' | 'expiresAt' | 'rateLimitPerSecond' | 'allowedIps' | 'rotatedFromId'>>;

/** The columns a change may set. */
export type LicenseChanges = Partial<
  Pick<License, 'label' | 'status' | 'validFrom' | 'expiresAt' | 'rateLimitPerSecond' | 'allowedIps'>
>;

export type NewLicenseEvent = Pick<LicenseEvent, 'licenseId' | 'action' | 'changes' | 'actor'>;

export interface LicenseFilter {
  enterpriseId?: string;
  status?: LicenseStatus;
  /** Only licenses with an expiry before this instant. */
  expiringBefore?: Date;
}

/** Queries on `licenses` and their audit trail `license_events`, nothing else. */
@Injectable()
export class LicenseRepository {
  constructor(
    @InjectRepository(License) private readonly licenses: Repository<License>,
    @InjectRepository(LicenseEvent) private readonly events: Repository<LicenseEvent>,
  ) {}

  /** Runs `work` in one transaction, with a repository whose queries belong to it. */
  transaction<T>(work: (tx: LicenseRepository) => Promise<T>): Promise<T> {
    return this.licenses.manager.transaction((manager) =>
      work(new LicenseRepository(manager.getRepository(License), manager.getRepository(LicenseEvent))),
    );
  }

  async create(license: NewLicense): Promise<License> {
    return this.licenses.save(this.licenses.create(license));
  }

  findByKeyHash(keyHash: string): Promise<License | null> {
    return this.licenses.findOneBy({ keyHash });
  }

  findById(id: string): Promise<License | null> {
    return this.licenses.findOneBy({ id });
  }

  /** The license, locked until the end of the transaction (use inside {@link transaction}). */
  findByIdForUpdate(id: string): Promise<License | null> {
    return this.licenses
      .createQueryBuilder('license')
      .setLock('pessimistic_write')
      .where('license.id = :id', { id })
      .getOne();
  }

  /** The license a rotation of this one issued, if it was rotated. */
  findSuccessor(id: string): Promise<License | null> {
    return this.licenses.findOneBy({ rotatedFromId: id });
  }

  findAll(filter: LicenseFilter = {}): Promise<License[]> {
    return this.filtered(filter).orderBy('license.created_at', 'ASC').addOrderBy('license.id', 'ASC').getMany();
  }

  /** One page, newest first, and the total that matches. */
  findPage(filter: LicenseFilter, offset: number, limit: number): Promise<[License[], number]> {
    return this.filtered(filter)
      .orderBy('license.created_at', 'DESC')
      .addOrderBy('license.id', 'DESC')
      .offset(offset)
      .limit(limit)
      .getManyAndCount();
  }

  async update(id: string, changes: LicenseChanges): Promise<void> {
    await this.licenses.update({ id }, changes);
  }

  async setStatus(id: string, status: LicenseStatus): Promise<void> {
    await this.licenses.update({ id }, { status });
  }

  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.licenses
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: at, updatedAt: () => '"updated_at"' })
      .where('id = :id AND (last_used_at IS NULL OR last_used_at < :at)', { id, at })
      .execute();
  }

  async addEvent(event: NewLicenseEvent): Promise<void> {
    await this.events.save(this.events.create(event), { reload: false });
  }

  /** Tells every listening instance that the license changed (in a transaction: when it commits). */
  async announceChange(licenseId: string): Promise<void> {
    await this.licenses.query('SELECT pg_notify($1, $2)', [LICENSE_CHANGED_CHANNEL, licenseId]);
  }

  /** A mark that differs whenever a license was created or changed (not when only its last use was written). */
  async changeMark(): Promise<string> {
    const [row] = await this.licenses.query<Array<{ mark: string }>>(
      `SELECT count(*)::text || '/' || coalesce(max(updated_at)::text, '') AS mark FROM licenses`,
    );
    return row.mark;
  }

  /** A page of a license's events, newest first, and their total. */
  findEventPage(licenseId: string, offset: number, limit: number): Promise<[LicenseEvent[], number]> {
    return this.events.findAndCount({
      where: { licenseId },
      order: { occurredAt: 'DESC', id: 'DESC' },
      skip: offset,
      take: limit,
    });
  }

  private filtered(filter: LicenseFilter) {
    const query = this.licenses.createQueryBuilder('license');
    if (filter.enterpriseId !== undefined) {
      query.andWhere('license.enterprise_id = :enterpriseId', { enterpriseId: filter.enterpriseId });
    }
    if (filter.status !== undefined) {
      query.andWhere('license.status = :status', { status: filter.status });
    }
    if (filter.expiringBefore !== undefined) {
      query.andWhere('license.expires_at < :expiringBefore', { expiringBefore: filter.expiringBefore });
    }
    return query;
  }
}
