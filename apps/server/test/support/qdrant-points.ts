import { QdrantClient } from '@qdrant/js-client-rest';
import type { Entity } from '@app/common';
import { VectorizeService } from '@app/etl';
import { collectionName } from '@app/vector';
import type { TestApp } from './test-app';

/**
 * Every point Qdrant holds for the tenant in the entity's collection (payloads only), read straight from the
 * server rather than through our adapter. One entry per point: a duplicate would show up twice.
 */
export async function storedPoints(
  t: TestApp,
  qdrantUrl: string,
  tenantId: string,
  entity: Entity = 'work_items',
): Promise<Record<string, unknown>[]> {
  const collection = collectionName(await t.app.get(VectorizeService).collection(entity));
  const client = new QdrantClient({ url: qdrantUrl, checkCompatibility: false });
  const points: Record<string, unknown>[] = [];
  if (!(await client.collectionExists(collection)).exists) return points;
  let offset: string | number | undefined | null = undefined;
  do {
    const page = await client.scroll(collection, {
      filter: { must: [{ key: 'tenant_id', match: { value: tenantId } }] },
      with_payload: true,
      with_vector: false,
      limit: 1000,
      offset: offset ?? undefined,
    });
    for (const p of page.points) points.push(p.payload ?? {});
    offset = page.next_page_offset as string | number | null | undefined;
  } while (offset);
  return points;
}
