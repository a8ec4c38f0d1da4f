import { Global, Module } from '@nestjs/common';
import { EgressModule } from '@app/egress';
import { IntegrationsController } from './integrations.controller';
import { IntegrationsRepository } from './integrations.repository';
import { IntegrationsService } from './integrations.service';
import { SecretBox } from './secret-box';

@Global()
@Module({
  imports: [EgressModule],
  controllers: [IntegrationsController],
  providers: [IntegrationsRepository, IntegrationsService, SecretBox],
  exports: [IntegrationsService, SecretBox],
})
export class IntegrationsModule {}
