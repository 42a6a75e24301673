import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { License, LicenseStatus } from './license.entity';

export type NewLicense = Pick<License, 'enterpriseId' | 'label' | 'keyPrefix' | 'keyHash'> &
  Partial<Pick<License, 'validFrom' | 'expiresAt'>>;

/** Queries on `licenses`, nothing else. */
@Injectable()
export class LicenseRepository {
  constructor(@InjectRepository(License) private readonly licenses: Repository<License>) {}

  async create(license: NewLicense): Promise<License> {
    return this.licenses.save(this.licenses.create(license));
  }

  findByKeyHash(keyHash: string): Promise<License | null> {
    return this.licenses.findOneBy({ keyHash });
  }

  findById(id: string): Promise<License | null> {
    return this.licenses.findOneBy({ id });
  }

  findAll(filter: { enterpriseId?: string } = {}): Promise<License[]> {
    return this.licenses.find({
      where: filter.enterpriseId ? { enterpriseId: filter.enterpriseId } : {},
      order: { createdAt: 'ASC', id: 'ASC' },
    });
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
}
