import { Controller, DynamicModule, Get, Injectable, Module } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  ApiKeyAuth,
  CurrentLicense,
  LicenseModule,
  SMS_CALLBACK_ENTITIES,
  SMS_CALLBACK_MIGRATIONS,
  SMS_CALLBACK_STORED,
  SmsCallbackModule,
  SmsCallbackStoredEvent,
  type LicenseContext,
} from 'sms-callback-service';

/** The host's own route: answered as the host makes it (no envelope). */
@Controller('host')
export class HostController {
  @Get('ping')
  ping(): { pong: true } {
    return { pong: true };
  }
}

/** A host route behind the library's API-KEY check: `@CurrentLicense()` gives a typed LicenseContext. */
@Controller('host/me')
@ApiKeyAuth()
export class WhoAmIController {
  @Get()
  me(@CurrentLicense() license: LicenseContext): LicenseContext {
    return license;
  }
}

/** Every `sms-callback.stored` event this host received. */
@Injectable()
export class StoredCallbacks {
  readonly events: SmsCallbackStoredEvent[] = [];

  @OnEvent(SMS_CALLBACK_STORED)
  onStored(event: SmsCallbackStoredEvent): void {
    this.events.push(event);
  }
}

/** Another team's service: its own database connection, the library's modules through their public names. */
@Module({})
export class HostModule {
  static with(options: { databaseUrl: string; routes: boolean }): DynamicModule {
    return {
      module: HostModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: options.databaseUrl,
          entities: SMS_CALLBACK_ENTITIES,
          migrations: SMS_CALLBACK_MIGRATIONS,
          migrationsRun: true,
        }),
        EventEmitterModule.forRoot(),
        LicenseModule,
        // The two ways in: options now, or from a factory (with `routes` beside it).
        options.routes
          ? SmsCallbackModule.forRootAsync({ routes: true, useFactory: async () => ({ defaultCountryCode: '84' }) })
          : SmsCallbackModule.forRoot({ routes: false, timezone: 'Asia/Ho_Chi_Minh' }),
      ],
      controllers: [HostController, WhoAmIController],
      providers: [StoredCallbacks],
    };
  }
}
