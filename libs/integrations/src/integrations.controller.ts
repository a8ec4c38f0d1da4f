import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Access, CurrentTenantId } from '@app/tenancy';
import { IntegrationNamePipe } from './integration-name.pipe';
import { IntegrationDto, PutIntegrationDto } from './dto/integration.dto';
import { IntegrationsService } from './integrations.service';

@ApiTags('integrations')
@Access('tenant')
@Controller('v1/integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Put(':name')
  @ApiOkResponse({ type: IntegrationDto })
  put(
    @CurrentTenantId() tenantId: string,
    @Param('name', IntegrationNamePipe) name: string,
    @Body() body: PutIntegrationDto,
  ): Promise<IntegrationDto> {
    return this.integrations.put(tenantId, name, body);
  }

  @Get()
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { integrations: { type: 'array', items: { $ref: getSchemaPath(IntegrationDto) } } },
    },
  })
  async list(@CurrentTenantId() tenantId: string): Promise<{ integrations: IntegrationDto[] }> {
    return { integrations: await this.integrations.list(tenantId) };
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async remove(
    @CurrentTenantId() tenantId: string,
    @Param('name', IntegrationNamePipe) name: string,
  ): Promise<void> {
    await this.integrations.remove(tenantId, name);
  }
}
