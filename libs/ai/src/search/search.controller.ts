import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access, TenantContext } from '@app/tenancy';
import { SearchRequestDto, SearchResponseDto } from './search.dto';
import { SearchService } from './search.service';

@ApiTags('ai')
@Access('tenant')
@Controller('v1/ai')
export class SearchController {
  constructor(
    private readonly searchService: SearchService,
    private readonly context: TenantContext,
  ) {}

  @Post('search')
  @HttpCode(200)
  @ApiOkResponse({ type: SearchResponseDto })
  async search(@Body() body: SearchRequestDto): Promise<SearchResponseDto> {
    return { results: await this.searchService.search(this.context.tenantId, body) };
  }
}
