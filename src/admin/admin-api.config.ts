import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfigService } from '../config/app-config.type';

/** The prefix of every admin route. */
export const ADMIN_API_PREFIX = 'api/admin';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The admin credential (ADMIN_API_KEY): whether the admin API is on, and whether a presented key is it.
 * Only its SHA-256 digest is kept in memory; keys are compared digest to digest in constant time.
 */
@Injectable()
export class AdminApiConfig {
  private readonly expected: Buffer | undefined;
  /** Who changes made with the credential are attributed to in the audit trail. */
  readonly actor: string;

  constructor(@Inject(ConfigService) config: AppConfigService) {
    const key = config.get('ADMIN_API_KEY', { infer: true });
    this.expected = key ? digest(key) : undefined;
    this.actor = `admin-api:${config.get('ADMIN_API_KEY_ID', { infer: true })}`;
  }

  get enabled(): boolean {
    return this.expected !== undefined;
  }

  matches(presented: string): boolean {
    return this.expected !== undefined && timingSafeEqual(digest(presented), this.expected);
  }
}
