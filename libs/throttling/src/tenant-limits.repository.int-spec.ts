import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import { TenantLimitsRepository } from './tenant-limits.repository';

describe('TenantLimitsRepository (real PostgreSQL)', () => {
  const pg = new PgPoolService(new AppConfig());
  const limits = new TenantLimitsRepository(pg);
  const tenant = randomUUID();

  beforeAll(async () => {
    await pg.pool.query('INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $2)', [
      tenant,
      `limits-${tenant}`,
    ]);
  });
  afterAll(async () => {
    await pg.pool.query('DELETE FROM tenant_limits WHERE tenant_id = $1', [tenant]);
    await pg.pool.query('DELETE FROM tenants WHERE id = $1', [tenant]);
    await pg.onModuleDestroy();
  });

  it('has no row until limits are set', async () => {
    expect(await limits.find(tenant)).toBeNull();
  });

  it('sets only the given fields, keeps the others on a later write, and clears one set to null', async () => {
    const none = { query: null, search: null, embed: null, ingest: null, admin: null };
    expect(await limits.upsert(tenant, { search: 1, dailyQuestions: 10 })).toEqual({
      ...none,
      search: 1,
      dailyQuestions: 10,
      dailyEmbeddedTexts: null,
    });
    const after = await limits.upsert(tenant, { embed: 0, dailyQuestions: null });
    expect(after).toEqual({ ...none, search: 1, embed: 0, dailyQuestions: null, dailyEmbeddedTexts: null });
    expect(await limits.find(tenant)).toEqual(after);
  });

  it('accepts a write with no fields (the row exists, nothing changes)', async () => {
    const before = await limits.find(tenant);
    expect(await limits.upsert(tenant, {})).toEqual(before);
  });
});
