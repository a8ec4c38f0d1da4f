import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import {
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Access, TenantContext } from '@app/tenancy';
import { IntegrationNamePipe } from './integration-name.pipe';
import { IntegrationDto, PutIntegrationDto } from './dto/integration.dto';
import { IntegrationsService } from './integrations.service';

@ApiTags('integrations')
@Access('tenant')
@Controller('v1/integrations')
export class IntegrationsController {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly context: TenantContext,
  ) {}

  @Put(':name')
  @ApiOkResponse({ type: IntegrationDto })
  put(
    @Param('name', IntegrationNamePipe) name: string,
    @Body() body: PutIntegrationDto,
  ): Promise<IntegrationDto> {
    return this.integrations.put(this.context.tenantId, name, body);
  }

  @Get()
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { integrations: { type: 'array', items: { $ref: getSchemaPath(IntegrationDto) } } },
    },
  })
  async list(): Promise<{ integrations: IntegrationDto[] }> {
    return { integrations: await this.integrations.list(this.context.tenantId) };
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  async remove(@Param('name', IntegrationNamePipe) name: string): Promise<void> {
    await this.integrations.remove(this.context.tenantId, name);
  }
}
