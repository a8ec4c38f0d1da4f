import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '@app/common';
import { Access, CurrentTenantId } from '@app/tenancy';
import { BatchErrorDto, QueryResponseDto } from '../query/dto/query-response.dto';
import { AiJobsService } from './ai-jobs.service';
import { AiJobCreatedDto, AiJobDto, CreateAiJobDto } from './dto/ai-job.dto';

@ApiTags('ai')
@ApiExtraModels(QueryResponseDto, BatchErrorDto)
@Access('tenant')
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('v1/ai/jobs')
export class AiJobsController {
  constructor(private readonly jobs: AiJobsService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue 1..100 questions; a worker answers them while the caller polls the job' })
  @ApiAcceptedResponse({ type: AiJobCreatedDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED or MALFORMED_JSON' })
  async create(@CurrentTenantId() tenantId: string, @Body() body: CreateAiJobDto): Promise<AiJobCreatedDto> {
    const jobId = await this.jobs.submit(tenantId, body.questions, body.options?.noCache);
    return { jobId };
  }

  @Get(':jobId')
  @ApiOperation({ summary: 'A question job: status, progress and the answers so far' })
  @ApiOkResponse({ type: AiJobDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'jobId is not a UUID' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such job for this tenant (or expired)' })
  get(
    @CurrentTenantId() tenantId: string,
    @Param('jobId', new ParseUUIDPipe()) jobId: string,
  ): Promise<AiJobDto> {
    return this.jobs.get(tenantId, jobId);
  }
}
