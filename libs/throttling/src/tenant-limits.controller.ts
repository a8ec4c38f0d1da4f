import { Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '@app/tenancy';
import { PutTenantLimitsDto, TenantLimitsDto } from './dto/tenant-limits.dto';
import { TenantLimitsService } from './tenant-limits.service';

@ApiTags('admin')
@Access('admin')
@Controller('v1/admin/tenants')
export class TenantLimitsController {
  constructor(private readonly limits: TenantLimitsService) {}

  @Get(':id/limits')
  @ApiOkResponse({ type: TenantLimitsDto })
  @ApiNotFoundResponse()
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<TenantLimitsDto> {
    return this.limits.get(id);
  }

  @Put(':id/limits')
  @ApiOkResponse({ type: TenantLimitsDto })
  @ApiNotFoundResponse()
  put(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: PutTenantLimitsDto,
  ): Promise<TenantLimitsDto> {
    return this.limits.put(id, body);
  }
}
