import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Access, CurrentTenantId } from '@app/tenancy';
import { BatchQueryRequestDto, QueryRequestDto } from './dto/query-request.dto';
import { BatchErrorDto, BatchQueryResponseDto, QueryResponseDto } from './dto/query-response.dto';
import { QueryService } from './query.service';

@ApiTags('ai')
@ApiExtraModels(QueryResponseDto, BatchErrorDto)
@Access('tenant')
@Controller('v1/ai/query')
export class QueryController {
  constructor(private readonly queries: QueryService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Answer a question about the tenant’s engineering data (cached, semantic layer or LLM)',
  })
  @ApiOkResponse({ type: QueryResponseDto })
  @ApiUnprocessableEntityResponse({
    description:
      'CANNOT_ANSWER (with what was understood) or SQL_REJECTED (generated SQL refused; nothing ran)',
  })
  @ApiTooManyRequestsResponse({ description: 'BUDGET_EXCEEDED: the tenant’s monthly LLM budget is spent' })
  @ApiResponse({ status: 503, description: 'DEPENDENCY_UNAVAILABLE: every LLM provider failed' })
  @ApiNotFoundResponse({ description: 'NOT_FOUND: conversationId unknown to the tenant or expired' })
  ask(@CurrentTenantId() tenantId: string, @Body() body: QueryRequestDto): Promise<QueryResponseDto> {
    return this.queries.ask(tenantId, body.question, {
      noCache: body.options?.noCache,
      conversationId: body.conversationId,
    });
  }

  @Post('batch')
  @HttpCode(200)
  @ApiOperation({ summary: 'Answer 1..50 questions; each result is an answer or its error, in input order' })
  @ApiOkResponse({ type: BatchQueryResponseDto })
  async batch(
    @CurrentTenantId() tenantId: string,
    @Body() body: BatchQueryRequestDto,
  ): Promise<BatchQueryResponseDto> {
    const results = await this.queries.askMany(tenantId, body.questions, {
      noCache: body.options?.noCache,
    });
    return { results };
  }
}
