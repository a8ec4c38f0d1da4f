import { ErrorCode } from '@app/common';
import { qdrantPointId } from './adapters/qdrant-vector-store.adapter';
import { collectionName, validateFilter, validatePoints } from './vector-input';

describe('collectionName', () => {
  it('is readable for plain model ids and safe for any other', () => {
    expect(collectionName({ entity: 'work_items', model: 'use-lite', dimensions: 512 })).toBe(
      'work_items__use-lite__512',
    );
    expect(
      collectionName({ entity: 'deployments', model: 'Xenova/all-MiniLM-L6-v2', dimensions: 384 }),
    ).toMatch(/^deployments__xenova_all-minilm-l6-v2_[0-9a-f]{10}__384$/);
  });

  it('never gives two models the same name', () => {
    const names = ['a/b', 'a_b', 'A_b', 'a b', 'a.b'].map((model) =>
      collectionName({ entity: 'work_items', model, dimensions: 8 }),
    );
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('qdrantPointId', () => {
  it('is stable per (tenant, entity, externalId) and unambiguous whatever the ids contain', () => {
    expect(qdrantPointId('t1', 'work_items', 'PAY-1')).toBe(qdrantPointId('t1', 'work_items', 'PAY-1'));
    expect(qdrantPointId('t1', 'work_items', 'PAY-1')).not.toBe(qdrantPointId('t2', 'work_items', 'PAY-1'));
    expect(qdrantPointId('t/work_items', 'work_items', 'x')).not.toBe(
      qdrantPointId('t', 'work_items', 'work_items/x'),
    );
  });
});

describe('input validation', () => {
  it('normalises filters to any-of lists and names the allowed fields when one is unknown', () => {
    expect(validateFilter({ status: 'done', type: ['bug', 'bug', 'story'], priority: undefined })).toEqual([
      ['status', ['done']],
      ['type', ['bug', 'story']],
    ]);
    expect(() => validateFilter({ title: 'x' })).toThrow(
      expect.objectContaining({
        code: ErrorCode.VALIDATION_FAILED,
        details: expect.objectContaining({ allowed: expect.arrayContaining(['status']) }),
      }),
    );
  });

  it('reports which point is wrong and by how much', () => {
    const spec = { entity: 'work_items' as const, model: 'm', dimensions: 3 };
    expect(() =>
      validatePoints(spec, [
        { id: 'a', vector: [1, 0, 0], payload: {} },
        { id: 'b', vector: [1, 0], payload: {} },
      ]),
    ).toThrow(
      expect.objectContaining({
        message: 'points[1].vector has 2 dimensions, expected 3',
        details: { expected: 3, actual: 2 },
      }),
    );
  });
});
