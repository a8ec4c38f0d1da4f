import { Global, Module } from '@nestjs/common';
import { EgressModule } from '@app/egress';
import { IntegrationsController } from './integrations.controller';
import { IntegrationsService } from './integrations.service';
import { SecretBox } from './secret-box';

@Global()
@Module({
  imports: [EgressModule],
  controllers: [IntegrationsController],
  providers: [IntegrationsService, SecretBox],
  exports: [IntegrationsService, SecretBox],
})
export class IntegrationsModule {}
