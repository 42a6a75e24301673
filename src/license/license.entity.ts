import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const LICENSE_STATUSES = ['active', 'suspended', 'revoked'] as const;
export type LicenseStatus = (typeof LICENSE_STATUSES)[number];

/** A license of one enterprise. Its API key is stored only as a SHA-256 hash. */
@Entity({ name: 'licenses' })
@Index('IDX_licenses_enterprise_id', ['enterpriseId'])
@Check('CHK_licenses_status', `"status" IN ('active', 'suspended', 'revoked')`)
@Check('CHK_licenses_rate_limit_per_second', `"rate_limit_per_second" IS NULL OR "rate_limit_per_second" > 0`)
export class License {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_licenses_id' })
  id: string;

  @Column({ name: 'enterprise_id', type: 'varchar', length: 64 })
  enterpriseId: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  label: string | null;

  /** The first characters of the key, shown to tell keys apart. Not enough to use it. */
  @Column({ name: 'key_prefix', type: 'varchar', length: 32 })
  keyPrefix: string;

  /** Hex SHA-256 of the whole key. */
  @Index('UQ_licenses_key_hash', { unique: true })
  @Column({ name: 'key_hash', type: 'char', length: 64 })
  keyHash: string;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: LicenseStatus;

  @Column({ name: 'valid_from', type: 'timestamptz', default: () => 'now()' })
  validFrom: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Roughly when the key was last accepted: written at most once a minute per instance. */
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  /** Requests per second this license may make; NULL: the default (LICENSE_RATE_LIMIT_PER_SECOND). */
  @Column({ name: 'rate_limit_per_second', type: 'integer', nullable: true })
  rateLimitPerSecond: number | null;

  /** The client addresses (IPs or CIDRs) the key may be used from; empty: any. */
  @Column({ name: 'allowed_ips', type: 'text', array: true, default: () => "'{}'" })
  allowedIps: string[];

  /** The license this one replaced by a rotation. */
  @Column({ name: 'rotated_from_id', type: 'uuid', nullable: true })
  rotatedFromId: string | null;

  @ManyToOne(() => License, { onDelete: 'SET NULL', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'rotated_from_id', foreignKeyConstraintName: 'FK_licenses_rotated_from_id' })
  rotatedFrom?: License;
}
