import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorCode, ENTITIES, type Entity } from '@app/common';
import { Access, CurrentTenantId } from '@app/tenancy';
import { BackfillRequestDto, BatchStatusDto, IngestRecordsDto, IngestResultDto } from './dto/ingest.dto';
import { EntityPipe } from './entity.pipe';
import { EtlException } from './etl.exception';
import { EtlStatusService } from './etl-status.service';
import { IngestService } from './ingest.service';
import { RecordDeletionService } from './record-deletion.service';
import { BackfillQueueService } from './backfill-queue.service';

@ApiTags('etl')
@Access('tenant')
@Controller('v1/etl')
export class EtlController {
  constructor(
    private readonly ingest: IngestService,
    private readonly deletion: RecordDeletionService,
    private readonly status: EtlStatusService,
    private readonly queue: BackfillQueueService,
  ) {}

  @Post(':entity/records')
  @HttpCode(202)
  @ApiParam({ name: 'entity', enum: ENTITIES })
  @ApiAcceptedResponse({ type: IngestResultDto })
  upsert(
    @CurrentTenantId() tenantId: string,
    @Param('entity', EntityPipe) entity: Entity,
    @Body() body: IngestRecordsDto,
  ): Promise<IngestResultDto> {
    return this.ingest.ingest(tenantId, entity, body.records);
  }

  @Delete(':entity/records/:externalId')
  @HttpCode(204)
  @ApiParam({ name: 'entity', enum: ENTITIES })
  @ApiNoContentResponse({ description: 'The record and its vector are gone' })
  async remove(
    @CurrentTenantId() tenantId: string,
    @Param('entity', EntityPipe) entity: Entity,
    @Param('externalId') externalId: string,
  ): Promise<void> {
    if (externalId.length > 128)
      throw new EtlException(ErrorCode.VALIDATION_FAILED, 'externalId is at most 128 characters');
    await this.deletion.remove(tenantId, entity, externalId);
  }

  @Get('batches/:batchId')
  @ApiOkResponse({ type: BatchStatusDto })
  batch(@CurrentTenantId() tenantId: string, @Param('batchId') batchId: string): Promise<BatchStatusDto> {
    return this.status.batch(tenantId, batchId);
  }

  @Get('status')
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        entities: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: {
              records: { type: 'number' },
              vectorized: { type: 'number' },
              pending: { type: 'number' },
              failed: { type: 'number' },
              lagSeconds: { type: 'number', description: 'Age of the oldest record waiting for its vector' },
            },
          },
        },
        embeddingModel: { type: 'string' },
      },
    },
  })
  getStatus(@CurrentTenantId() tenantId: string) {
    return this.status.status(tenantId);
  }

  @Post('backfill')
  @HttpCode(202)
  @ApiAcceptedResponse({ schema: { type: 'object', properties: { jobId: { type: 'string' } } } })
  async backfill(
    @CurrentTenantId() tenantId: string,
    @Body() body: BackfillRequestDto,
  ): Promise<{ jobId: string }> {
    const jobId = await this.queue
      .queueBackfill({
        tenantId,
        entities: body.entity ? [body.entity] : [...ENTITIES],
        mode: 'stale',
      })
      .catch((err: unknown) => {
        throw new EtlException(
          ErrorCode.DEPENDENCY_UNAVAILABLE,
          `The job queue is unavailable: ${String(err)}`,
        );
      });
    return { jobId };
  }
}
