import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { KnownValuesRepository } from './known-values.repository';

export type KnownValues = Partial<Record<string, readonly string[]>>;

const TTL_MS = 60_000;

/**
 * The tenant's own people, projects, repositories, services and labels, so the planner matches "alice" or
 * "payments-api" exactly instead of guessing from the sentence. Read once per tenant and minute, and again after
 * an ETL write (`invalidate`).
 */
@Injectable()
export class KnownValuesService {
  private readonly logger = new Logger(KnownValuesService.name);
  private readonly cache = new LRUCache<string, Promise<KnownValues>>({ max: 5000, ttl: TTL_MS });

  constructor(private readonly repository: KnownValuesRepository) {}

  get(tenantId: string): Promise<KnownValues> {
    const cached = this.cache.get(tenantId);
    if (cached) return cached;
    const loading = this.load(tenantId);
    this.cache.set(tenantId, loading);
    return loading;
  }

  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private async load(tenantId: string): Promise<KnownValues> {
    try {
      const rows = await this.repository.values(tenantId);
      const out: Record<string, string[]> = {};
      for (const { k, v } of rows) {
        if (v && v.trim()) (out[k] ??= []).push(v);
      }
      return out;
    } catch (err) {
      // Planning still works without them; try again on the next question.
      this.logger.warn(`Reading known values failed: ${String(err)}`);
      this.cache.delete(tenantId);
      return {};
    }
  }
}
