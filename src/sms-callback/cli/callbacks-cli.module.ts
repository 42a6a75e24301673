import { Module } from '@nestjs/common';
import { AppConfigModule } from '../../config/config.module';
import { DatabaseModule } from '../../database/database.module';
import { CallbackRetentionModule } from '../retention/callback-retention.module';

/** Just what the callbacks CLI needs: configuration, the database (attaching to a running service's), retention. */
@Module({
  imports: [AppConfigModule, DatabaseModule.forRoot({ attachIfRunning: true }), CallbackRetentionModule],
})
export class CallbacksCliModule {}
