import { MODULE_METADATA } from '@nestjs/common/constants';
import * as library from './index';
import { SmsCallbackBatchController } from './sms-callback/sms-callback-batch.controller';
import { SmsCallbackController } from './sms-callback/sms-callback.controller';
import { SmsCallbackOptions } from './sms-callback/sms-callback.options';

/** The names other teams code against (issue 11): a rename or a removal breaks them, so it breaks here first. */
const PUBLIC_SURFACE = [
  'SmsCallbackModule',
  'SmsCallbackService',
  'LicenseModule',
  'LicenseService',
  'ApiKeyAuth',
  'CurrentLicense',
  'SMS_CALLBACK_STORED',
  'SmsCallbackStoredEvent',
  'SMS_CALLBACK_ENTITIES',
  'SMS_CALLBACK_MIGRATIONS',
] as const;

describe('the library surface (src/index.ts)', () => {
  it.each(PUBLIC_SURFACE)('should export %s', (name) => {
    expect(library[name]).toBeDefined();
  });

  it('should give the methods the surface promises', () => {
    expect(typeof library.LicenseService.prototype.issue).toBe('function');
    for (const method of ['store', 'list', 'get'] as const) {
      expect(typeof library.SmsCallbackService.prototype[method]).toBe('function');
    }
    expect(library.SMS_CALLBACK_STORED).toBe('sms-callback.stored');
  });

  it('should list every table and migration for the host', () => {
    expect(library.SMS_CALLBACK_ENTITIES.map((entity) => entity.name).sort()).toEqual([
      'License',
      'LicenseEvent',
      'SmsCallback',
      'SmsCallbackOutboxEntry',
    ]);
    expect(library.SMS_CALLBACK_MIGRATIONS.length).toBeGreaterThan(0);
  });

  it('should mount the vendor routes by default and none with routes: false', () => {
    const controllersOf = (module: { controllers?: unknown[] }) => [
      ...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, library.SmsCallbackModule) as unknown[]) ?? []),
      ...(module.controllers ?? []),
    ];
    const vendorRoutes = [SmsCallbackBatchController, SmsCallbackController];
    expect(controllersOf(library.SmsCallbackModule.forRoot())).toEqual(vendorRoutes);
    expect(controllersOf(library.SmsCallbackModule.forRoot({ routes: true }))).toEqual(vendorRoutes);
    expect(controllersOf(library.SmsCallbackModule.forRoot({ routes: false }))).toEqual([]);
    expect(controllersOf(library.SmsCallbackModule.forRootAsync({ routes: false, useFactory: () => ({}) }))).toEqual(
      [],
    );
  });

  it('should default every option without the environment, and refuse a bad one by name', () => {
    const saved = { ...process.env };
    try {
      delete process.env.CALLBACK_TIMEZONE;
      delete process.env.DEFAULT_COUNTRY_CODE;
      const options = new SmsCallbackOptions();
      expect(options.timezone).toBe('Asia/Ho_Chi_Minh');
      expect(options.defaultCountryCode).toBe('84');
      expect(options.bodyLimits).toEqual({ maxBytes: 64 * 1024, timeoutMs: 30_000 });
    } finally {
      process.env = saved;
    }
    expect(() => new SmsCallbackOptions({ timezone: 'Mars/Olympus' })).toThrow(library.SmsCallbackOptionsError);
    expect(() => new SmsCallbackOptions({ defaultCountryCode: '999' })).toThrow(/defaultCountryCode/);
  });
});
