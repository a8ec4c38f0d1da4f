import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from './guards/access.decorator';
import { ApiKeyService } from './api-key.service';
import { TenantService } from './tenant.service';
import { ApiKeyCreatedDto, CreateTenantDto, TenantCreatedDto } from './dto/create-tenant.dto';

@ApiTags('admin')
@Access('admin')
@Controller('v1/admin')
export class AdminController {
  constructor(
    private readonly tenants: TenantService,
    private readonly apiKeys: ApiKeyService,
  ) {}

  @Post('tenants')
  @ApiCreatedResponse({ type: TenantCreatedDto })
  @ApiConflictResponse({ description: 'Duplicate slug' })
  create(@Body() body: CreateTenantDto): Promise<TenantCreatedDto> {
    return this.tenants.create(body);
  }

  @Get('tenants')
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        tenants: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string', format: 'uuid' },
              slug: { type: 'string' },
              name: { type: 'string' },
              createdAt: { type: 'string', format: 'date-time' },
            },
          },
        },
      },
    },
  })
  async list() {
    return { tenants: await this.tenants.list() };
  }

  @Post('tenants/:id/api-keys')
  @ApiCreatedResponse({ type: ApiKeyCreatedDto })
  issueKey(@Param('id', new ParseUUIDPipe()) id: string): Promise<ApiKeyCreatedDto> {
    return this.tenants.issueKey(id);
  }

  @Delete('api-keys/:keyId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked' })
  async revoke(@Param('keyId', new ParseUUIDPipe()) keyId: string): Promise<void> {
    await this.apiKeys.revoke(keyId);
  }
}
