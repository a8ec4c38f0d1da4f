import { Injectable, Logger } from '@nestjs/common';
import { ENTITIES, type Entity } from '@app/common';
import { AppConfig } from '@app/config';
import { EmbeddingService } from '@app/embedding';
import { VectorStore } from '@app/vector';
import { RecordRepository } from './record.repository';
import { ChangeOutboxRepository } from './outbox/change-outbox.repository';
import { VectorizeService } from './vectorize.service';

const PAGE = 256;

export interface BackfillProgress {
  tenants: number;
  scanned: number;
  embedded: number;
  failed: number;
}

/**
 * Re-embeds every record whose vector is missing, outdated or from another model. Runs inside the low-priority
 * backfill queue and yields to real-time work between pages, so a tenant's large backfill never starves
 * another tenant's fresh updates.
 */
@Injectable()
export class BackfillService {
  private readonly logger = new Logger(BackfillService.name);

  constructor(
    private readonly records: RecordRepository,
    private readonly vectorizer: VectorizeService,
    private readonly embeddings: EmbeddingService,
    private readonly vectors: VectorStore,
    private readonly outbox: ChangeOutboxRepository,
    private readonly config: AppConfig,
  ) {}

  async run(
    opts: { tenantId?: string; entities?: Entity[]; mode: 'stale' | 'reconcile' },
    onProgress: (p: BackfillProgress) => Promise<void> = () => Promise.resolve(),
  ): Promise<BackfillProgress> {
    await this.embeddings.whenReady();
    const tenants = opts.tenantId ? [opts.tenantId] : await this.records.tenantsWithRecords();
    const progress: BackfillProgress = { tenants: tenants.length, scanned: 0, embedded: 0, failed: 0 };
    for (const tenantId of tenants) {
      for (const entity of opts.entities ?? ENTITIES) {
        await this.checkStore(tenantId, entity);
        let after = '';
        for (;;) {
          const ids = await this.records.stale(tenantId, entity, this.embeddings.model, after, PAGE, {
            includeFailed: opts.mode === 'stale',
            // Younger records are likely still in the real-time queue; the reconciler leaves them to it.
            settledForMs: opts.mode === 'reconcile' ? this.config.queue.reconcileSettleS * 1000 : 0,
          });
          if (ids.length === 0) break;
          after = ids[ids.length - 1];
          await this.yieldToRealtime();
          const outcome = await this.vectorizer.vectorize(tenantId, entity, ids);
          progress.scanned += ids.length;
          progress.embedded += outcome.embedded;
          progress.failed += outcome.failed.length;
          await onProgress(progress);
        }
      }
    }
    if (progress.scanned > 0)
      this.logger.log(`Backfill (${opts.mode}) re-embedded ${progress.embedded} records`);
    return progress;
  }

  /**
   * If the store holds fewer vectors than the database believes (a store restored from an old snapshot, say),
   * the tenant's records are marked for re-embedding; the embedding cache makes that cheap.
   */
  private async checkStore(tenantId: string, entity: Entity): Promise<void> {
    const spec = await this.vectorizer.collection(entity);
    const [stored, expected] = await Promise.all([
      this.vectors.count(tenantId, spec),
      this.records.countVectorized(tenantId, entity, spec.model),
    ]);
    if (stored < expected) {
      const reset = await this.records.resetVectorized(tenantId, entity);
      this.logger.warn(
        `Vector store has ${stored} of ${expected} ${entity} vectors for a tenant; re-embedding ${reset}`,
      );
    }
  }

  /** Waits (briefly, repeatedly) while real-time changes are waiting in the outbox, so they go first. */
  private async yieldToRealtime(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      if ((await this.outbox.pending().catch(() => 0)) === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
