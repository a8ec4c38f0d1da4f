import { Global, Module } from '@nestjs/common';
import { IntegrationsController } from './integrations.controller';
import { IntegrationsService } from './integrations.service';
import { SecretBox } from './secret-box';

@Global()
@Module({
  controllers: [IntegrationsController],
  providers: [IntegrationsService, SecretBox],
  exports: [IntegrationsService, SecretBox],
})
export class IntegrationsModule {}
