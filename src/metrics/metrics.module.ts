import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { LicenseModule } from '../index';
import { CallbackMetricsListener } from './callback-metrics.listener';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** `GET /metrics` (Prometheus) and the collectors behind it. */
@Module({
  imports: [HealthModule, LicenseModule],
  controllers: [MetricsController],
  providers: [MetricsService, CallbackMetricsListener],
  exports: [MetricsService],
})
export class MetricsModule {}
