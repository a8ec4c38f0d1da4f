import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import { ApiKeyRepository } from './api-key.repository';
import { TenantRepository } from './tenant.repository';

describe('TenantRepository and ApiKeyRepository (real PostgreSQL)', () => {
  const pg = new PgPoolService(new AppConfig());
  const tenants = new TenantRepository(pg);
  const keys = new ApiKeyRepository(pg);
  const created: string[] = [];
  const slug = () => `repo-${randomUUID()}`;

  afterAll(async () => {
    await pg.pool.query('DELETE FROM tenants WHERE id = ANY($1)', [created]);
    await pg.onModuleDestroy();
  });

  it('creates tenants with and without a budget and finds them by slug', async () => {
    const a = await tenants.create({ slug: slug(), name: 'A', monthlyBudgetUsd: 12.5 });
    const b = await tenants.create({ slug: slug(), name: 'B' });
    created.push(a.id, b.id);
    expect(a).toEqual({
      id: expect.any(String),
      slug: a.slug,
      name: 'A',
      monthlyBudgetUsd: 12.5,
      createdAt: expect.any(Date),
    });
    expect(await tenants.findBySlug(b.slug)).toEqual(b);
    expect(await tenants.findBySlug(slug())).toBeNull();
    expect(await tenants.monthlyBudgetUsd(a.id)).toBe(12.5);
    expect(await tenants.monthlyBudgetUsd(b.id)).toBeNull();
    expect(await tenants.monthlyBudgetUsd(randomUUID())).toBeNull();
    expect(await tenants.exists(a.id)).toBe(true);
    expect(await tenants.exists(randomUUID())).toBe(false);
    const listed = await tenants.list();
    expect(listed).toEqual(expect.arrayContaining([a, b]));
  });

  it("refuses a taken slug with PostgreSQL's unique violation", async () => {
    const a = await tenants.create({ slug: slug(), name: 'A' });
    created.push(a.id);
    await expect(tenants.create({ slug: a.slug, name: 'again' })).rejects.toMatchObject({ code: '23505' });
  });

  it("finds a key by prefix with its tenant's slug, revokes it once and records its last use", async () => {
    const t = await tenants.create({ slug: slug(), name: 'K' });
    created.push(t.id);
    const prefix = randomUUID().replace(/-/g, '').slice(0, 12);
    const id = await keys.insert(t.id, prefix, 'f'.repeat(64));
    expect(await keys.findByPrefix(prefix)).toEqual({
      id,
      tenantId: t.id,
      tenantSlug: t.slug,
      hash: 'f'.repeat(64),
      revokedAt: null,
    });
    const at = new Date('2026-12-01T10:00:00.000Z');
    await keys.touch(id, at);
    const { rows } = await pg.pool.query('SELECT last_used_at FROM api_keys WHERE id = $1', [id]);
    expect(rows[0].last_used_at).toEqual(at);
    expect(await keys.revoke(id)).toBe(true);
    expect(await keys.revoke(id)).toBe(false);
    expect(await keys.exists(id)).toBe(true);
    expect(await keys.exists(randomUUID())).toBe(false);
    expect((await keys.findByPrefix(prefix))?.revokedAt).toBeInstanceOf(Date);
  });
});
