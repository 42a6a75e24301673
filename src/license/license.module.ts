import { DynamicModule, Global, Module, type ModuleMetadata } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyGuard } from './api-key.guard';
import { LicenseCache } from './license-cache';
import { LicenseChangeListener } from './license-change-listener';
import { LicenseEvent } from './license-event.entity';
import { License } from './license.entity';
import { LICENSE_MODULE_OPTIONS, LicenseModuleOptions, LicenseOptions } from './license.options';
import { LicenseRepository } from './license.repository';
import { LicenseService } from './license.service';
import { LicenseVerifier } from './license-verifier';
import { RateLimitModule } from './rate-limit/rate-limit.module';

export interface LicenseModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the host's providers, of any type
  inject?: any[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as Nest's own factories
  useFactory: (...args: any[]) => LicenseModuleOptions | Promise<LicenseModuleOptions>;
}

/** The host's options alone, global: the one {@link LicenseModule} (however many import it) reads them. */
@Global()
@Module({})
class LicenseOptionsModule {}

/** What `LicenseModule.forRoot`/`forRootAsync` give the host: the options, and the one LicenseModule. */
@Module({})
class ConfiguredLicenseModule {}

/**
 * Licenses and their API keys: issuing and the lifecycle with its audit trail ({@link LicenseService}), and
 * verifying the key of each request ({@link LicenseVerifier}: cached, rate-limited), for routes with
 * `@ApiKeyAuth()`. Works imported as it is (defaults: {@link LICENSE_DEFAULTS}); `forRoot(options)` or
 * `forRootAsync({ inject, useFactory })` sets its options, and the same single LicenseModule (the one
 * `SmsCallbackModule` uses too) reads them.
 */
@Module({
  imports: [TypeOrmModule.forFeature([License, LicenseEvent]), RateLimitModule],
  providers: [
    LicenseOptions,
    LicenseRepository,
    LicenseCache,
    LicenseChangeListener,
    LicenseVerifier,
    LicenseService,
    ApiKeyGuard,
  ],
  exports: [LicenseService, LicenseVerifier, ApiKeyGuard, RateLimitModule],
})
export class LicenseModule {
  static forRoot(options: LicenseModuleOptions = {}): DynamicModule {
    return LicenseModule.withOptions({ provide: LICENSE_MODULE_OPTIONS, useValue: options });
  }

  static forRootAsync(options: LicenseModuleAsyncOptions): DynamicModule {
    return LicenseModule.withOptions(
      { provide: LICENSE_MODULE_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
      options.imports,
    );
  }

  private static withOptions(
    provider: DynamicModule['providers'] extends (infer P)[] | undefined ? P : never,
    imports: ModuleMetadata['imports'] = [],
  ): DynamicModule {
    const options: DynamicModule = {
      module: LicenseOptionsModule,
      global: true,
      imports,
      providers: [provider],
      exports: [LICENSE_MODULE_OPTIONS],
    };
    return { module: ConfiguredLicenseModule, imports: [options, LicenseModule], exports: [LicenseModule] };
  }
}
