import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentTenantId } from '@app/tenancy';
import { EmbedRequestDto } from './dto/embed-request.dto';
import { EmbedResponseDto } from './dto/embed-response.dto';
import { EmbeddingService } from './embedding.service';

@ApiTags('ai')
@Access('tenant')
@Controller('v1/ai')
export class EmbedController {
  constructor(private readonly embeddings: EmbeddingService) {}

  @Post('embed')
  @HttpCode(200)
  @ApiOperation({ summary: 'Embed 1..256 texts with the configured model' })
  @ApiOkResponse({ type: EmbedResponseDto })
  async embed(@CurrentTenantId() tenantId: string, @Body() body: EmbedRequestDto): Promise<EmbedResponseDto> {
    const { model, dimensions, vectors } = await this.embeddings.embedMany(body.texts, { lane: tenantId });
    return { model, dimensions, embeddings: vectors.map((v) => Array.from(v)) };
  }
}
