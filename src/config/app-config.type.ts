import type { ConfigService } from '@nestjs/config';
import type { EnvironmentVariables } from './env.validation';

/** ConfigService typed by the validated environment: `config.get('PORT', { infer: true })`. */
export type AppConfigService = ConfigService<EnvironmentVariables, true>;
