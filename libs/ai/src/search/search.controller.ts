import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access, CurrentTenantId } from '@app/tenancy';
import { SearchRequestDto, SearchResponseDto } from './search.dto';
import { SearchService } from './search.service';

@ApiTags('ai')
@Access('tenant')
@Controller('v1/ai')
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Post('search')
  @HttpCode(200)
  @ApiOkResponse({ type: SearchResponseDto })
  async search(
    @CurrentTenantId() tenantId: string,
    @Body() body: SearchRequestDto,
  ): Promise<SearchResponseDto> {
    return { results: await this.searchService.search(tenantId, body) };
  }
}
