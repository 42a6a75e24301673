import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { License } from './license.entity';

export const LICENSE_EVENT_ACTIONS = ['created', 'updated', 'suspended', 'resumed', 'revoked', 'rotated'] as const;
export type LicenseEventAction = (typeof LICENSE_EVENT_ACTIONS)[number];

/** One field's value before and after a change (`null` before a creation). */
export interface FieldChange {
  before: unknown;
  after: unknown;
}

/**
 * The audit trail of a license: one row per change, with the fields it changed and who changed it.
 * Never holds a key or a key hash.
 */
@Entity({ name: 'license_events' })
@Index('IDX_license_events_license_occurred', ['licenseId', 'occurredAt', 'id'])
@Check('CHK_license_events_action', `"action" IN (${LICENSE_EVENT_ACTIONS.map((a) => `'${a}'`).join(', ')})`)
export class LicenseEvent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_license_events_id' })
  id: string;

  @Column({ name: 'license_id', type: 'uuid' })
  licenseId: string;

  @ManyToOne(() => License, { onDelete: 'RESTRICT', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'license_id', foreignKeyConstraintName: 'FK_license_events_license_id' })
  license?: License;

  @Column({ type: 'varchar', length: 16 })
  action: LicenseEventAction;

  /** `{ field: { before, after } }` for each field the change touched. */
  @Column({ type: 'jsonb' })
  changes: Record<string, FieldChange>;

  /** Who made the change: `admin-api:<ADMIN_API_KEY_ID>`, `cli:<user>@<host>`, or `system`. */
  @Column({ type: 'varchar', length: 128 })
  actor: string;

  @CreateDateColumn({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;
}
