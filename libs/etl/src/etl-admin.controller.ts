import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ENTITIES } from '@app/common';
import { Access } from '@app/tenancy';
import { RecordRepository } from './record.repository';
import { ReconcilerService } from './reconciler.service';
import { BackfillQueueService } from './backfill-queue.service';

@ApiTags('admin')
@Access('admin')
@Controller('v1/admin/etl')
export class EtlAdminController {
  constructor(
    private readonly queue: BackfillQueueService,
    private readonly records: RecordRepository,
    private readonly reconciler: ReconcilerService,
  ) {}

  /** Clears the records' failure marks and queues a pass that embeds them again. */
  @Post('retry-failed')
  @HttpCode(200)
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { retried: { type: 'number' }, recordsCleared: { type: 'number' } },
    },
  })
  async retryFailed(): Promise<{ retried: number; recordsCleared: number }> {
    let recordsCleared = 0;
    for (const entity of ENTITIES) recordsCleared += await this.records.clearErrors(undefined, entity);
    if (recordsCleared > 0) await this.queue.queueBackfill({ entities: [...ENTITIES], mode: 'stale' });
    return { retried: recordsCleared, recordsCleared };
  }

  /** Starts a reconcile pass now instead of waiting for the schedule. */
  @Post('reconcile')
  @HttpCode(202)
  @ApiAcceptedResponse({ schema: { type: 'object', properties: { jobId: { type: 'string' } } } })
  async reconcile(): Promise<{ jobId: string }> {
    return { jobId: await this.reconciler.runNow() };
  }
}
