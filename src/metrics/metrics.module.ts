import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { RateLimitModule } from '../license/rate-limit/rate-limit.module';
import { CallbackMetricsListener } from './callback-metrics.listener';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** `GET /metrics` (Prometheus) and the collectors behind it. */
@Module({
  imports: [HealthModule, RateLimitModule],
  controllers: [MetricsController],
  providers: [MetricsService, CallbackMetricsListener],
  exports: [MetricsService],
})
export class MetricsModule {}
