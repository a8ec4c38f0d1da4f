import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import { DataVersionsRepository } from './data-versions.repository';

const TABLES = ['work_items', 'pull_requests', 'deployments'];

describe('DataVersionsRepository (the freshness proof of every cached answer)', () => {
  const config = new AppConfig();
  const pg = new PgPoolService(config);
  const versions = new DataVersionsRepository(pg);

  afterAll(() => pg.onModuleDestroy());
  afterEach(() => jest.restoreAllMocks());

  /** What the business tables' triggers do in the writing transaction. */
  const setVersion = (tenantId: string, table: string, version: number) =>
    pg.pool.query(
      `INSERT INTO data_versions (tenant_id, table_name, version) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, table_name) DO UPDATE SET version = EXCLUDED.version`,
      [tenantId, table, version],
    );

  it('answers the reads of many tenants made in the same turn with one query, each with its own versions', async () => {
    const tenants = Array.from({ length: 40 }, () => randomUUID());
    for (const [i, t] of tenants.entries()) {
      await setVersion(t, 'work_items', i + 1);
      if (i % 2 === 0) await setVersion(t, 'pull_requests', 1000 + i);
    }
    const query = jest.spyOn(pg.pool, 'query');

    const read = await Promise.all(tenants.map((t) => versions.read(t, TABLES)));

    expect(query).toHaveBeenCalledTimes(1);
    read.forEach((m, i) =>
      expect(Object.fromEntries(m)).toEqual({
        work_items: i + 1,
        pull_requests: i % 2 === 0 ? 1000 + i : 0,
        deployments: 0,
      }),
    );
  });

  it('a read made after a commit sees it; a later read is never answered by a query that started before it', async () => {
    const t = randomUUID();
    await setVersion(t, 'work_items', 1);
    expect((await versions.read(t, ['work_items'])).get('work_items')).toBe(1);
    await setVersion(t, 'work_items', 2);
    expect((await versions.read(t, ['work_items'])).get('work_items')).toBe(2);

    const query = jest.spyOn(pg.pool, 'query');
    const first = versions.read(t, ['work_items']);
    await new Promise((r) => setImmediate(r));
    await setVersion(t, 'work_items', 3);
    const second = await versions.read(t, ['work_items']);
    expect(second.get('work_items')).toBe(3);
    expect([2, 3]).toContain((await first).get('work_items'));
    expect(query).toHaveBeenCalledTimes(1 + 1 + 1); // the two reads' own queries and the write between them
  });

  it('reads made while both queries are out share the next one, and still see what was committed before them', async () => {
    const t = randomUUID();
    await setVersion(t, 'work_items', 1);
    const realQuery = pg.pool.query.bind(pg.pool) as (...args: unknown[]) => Promise<unknown>;
    const query = jest.spyOn(pg.pool, 'query');
    // The first two queries are held on their way out, as slow round trips would be.
    let send: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (send = resolve));
    const slow = (...args: unknown[]) => held.then(() => realQuery(...args)) as never;
    query.mockImplementationOnce(slow).mockImplementationOnce(slow);

    const first = versions.read(t, ['work_items']);
    await new Promise((r) => setImmediate(r));
    const second = versions.read(t, ['work_items']);
    await new Promise((r) => setImmediate(r));
    await setVersion(t, 'work_items', 2); // committed while both are out
    const later: Promise<Map<string, number>>[] = [];
    for (let turn = 0; turn < 10; turn++) {
      later.push(versions.read(t, ['work_items']));
      await new Promise((r) => setImmediate(r));
    }
    send();

    const seen = await Promise.all(later);
    expect(seen.map((m) => m.get('work_items'))).toEqual(Array(10).fill(2));
    for (const early of [first, second]) expect([1, 2]).toContain((await early).get('work_items'));
    // The two held queries, the write, one query for the ten reads.
    expect(query).toHaveBeenCalledTimes(2 + 1 + 1);
  });

  it('a malformed tenant id fails its own read only, not the reads batched with it', async () => {
    const t = randomUUID();
    await setVersion(t, 'deployments', 7);
    const [bad, good] = await Promise.allSettled([
      versions.read('not-a-tenant', ['deployments']),
      versions.read(t, ['deployments']),
    ]);
    expect(bad.status).toBe('rejected');
    expect(good).toMatchObject({ status: 'fulfilled' });
    expect((good as PromiseFulfilledResult<Map<string, number>>).value.get('deployments')).toBe(7);
  });

  it('rejects every read when PostgreSQL cannot be reached (a cached answer is then not served as fresh)', async () => {
    const down = new PgPoolService(
      new AppConfig({ ...process.env, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' }),
    );
    const unreachable = new DataVersionsRepository(down);
    try {
      const reads = await Promise.allSettled([
        unreachable.read(randomUUID(), ['work_items']),
        unreachable.read(randomUUID(), ['pull_requests']),
      ]);
      expect(reads.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    } finally {
      await down.onModuleDestroy();
    }
  });
});
