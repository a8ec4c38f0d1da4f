import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentCaller, type Caller } from '@app/tenancy';
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
  async embed(
    // No caller where the module runs without tenancy: then every caller shares one batcher lane.
    @CurrentCaller() caller: Caller | undefined,
    @Body() body: EmbedRequestDto,
  ): Promise<EmbedResponseDto> {
    const { model, dimensions, vectors } = await this.embeddings.embedMany(body.texts, {
      lane: caller?.tenantId,
    });
    return { model, dimensions, embeddings: vectors.map((v) => Array.from(v)) };
  }
}
