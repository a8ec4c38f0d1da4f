import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import { Client } from 'pg';
import { PgPoolService, RedisService } from '@app/database';
import { SemanticModelService } from '../semantic';
import { AnswerCacheService } from './answer-cache.service';
import type { CachedAnswer } from './cache.types';
import type { QuestionFingerprint } from './cache.types';
import { DataVersionsRepository } from './data-versions.repository';

/** One "pod": its own in-process L1 and pool, sharing Redis and PostgreSQL with the others. */
function pod(config: AppConfig, models: SemanticModelService) {
  const redis = new RedisService(config);
  const pg = new PgPoolService(config);
  return {
    redis,
    pg,
    answers: new AnswerCacheService(config, redis, new DataVersionsRepository(pg), models),
  };
}

function answer(tenantId: string, version: string, generations: Record<string, number>): CachedAnswer {
  return {
    tenantId,
    question: 'How many bugs were resolved last week?',
    sourceSql: 'SELECT count(*) FROM work_items',
    sql: 'SELECT count(*) FROM work_items WHERE work_items.tenant_id = $1 LIMIT 1000',
    columns: ['bugs_resolved'],
    rows: [[7]],
    rowCount: 1,
    truncated: false,
    tables: ['work_items'],
    generations,
    asOf: new Date().toISOString(),
    route: 'simple',
    provider: 'semantic-layer',
    model: 'semantic-model',
    modelVersion: version,
    createdAt: new Date().toISOString(),
  };
}

describe('AnswerCacheService across pods (shared Redis)', () => {
  const config = new AppConfig({
    ...process.env,
    REDIS_PREFIX: `${process.env.REDIS_PREFIX}-${randomUUID()}`,
  });
  const models = new SemanticModelService(config);
  const a = pod(config, models);
  const b = pod(config, models);
  beforeAll(async () => {
    // The shared client refuses commands until connected (no offline queue).
    for (const { redis } of [a, b]) {
      if (redis.client.status !== 'ready')
        await new Promise((resolve) => redis.client.once('ready', resolve));
    }
  });
  afterAll(async () => {
    for (const p of [a, b]) {
      await p.redis.onModuleDestroy();
      await p.pg.onModuleDestroy();
    }
  });

  /** Another program writing with plain SQL: the database itself bumps the table's version. */
  async function writeDirectly(sql: string, params: unknown[]): Promise<void> {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  }

  it('keys by tenant, model version and time window: a relative window rolls, retyping does not matter', () => {
    const wed = new Date('2026-11-25T15:30:00Z');
    const thu = new Date('2026-11-26T09:00:00Z');
    const nextMon = new Date('2026-11-30T09:00:00Z');
    const key = (t: string, q: string, now: Date) => a.answers.keyOf(t, q, now).key;
    const q = 'How many bugs were resolved last week?';
    expect(key('t1', q, wed)).toBe(key('t1', '  how many bugs were resolved LAST WEEK ', thu));
    expect(key('t1', q, wed)).not.toBe(key('t1', q, nextMon));
    expect(key('t1', q, wed)).not.toBe(key('t2', q, wed));
    expect(key('t1', q, wed).startsWith('t1:')).toBe(true);
    // Without a window the day is the time context.
    expect(key('t1', 'Open incidents by priority', wed)).not.toBe(
      key('t1', 'Open incidents by priority', thu),
    );
  });

  it('a key is remembered for its day only, and never one whose window reads the clock', () => {
    const key = (t: string, q: string, now: string) => a.answers.keyOf(t, q, new Date(now)).key;
    const hours = 'Bugs resolved in the last 3 hours';
    expect(key('t1', hours, '2026-11-25T09:00:00Z')).toBe(key('t1', hours, '2026-11-25T09:00:00Z'));
    expect(key('t1', hours, '2026-11-25T09:00:00Z')).not.toBe(key('t1', hours, '2026-11-25T10:00:00Z'));
    // At midnight the window's bounds fall on day boundaries, yet it still moves with the clock.
    const day = 'how many bugs were opened in the past 24 hours';
    const midnight = key('t1', day, '2026-11-25T00:00:00Z');
    expect(key('t1', day, '2026-11-25T10:00:00Z')).not.toBe(midnight);
    const week = 'How many bugs were resolved last week?';
    const wed = key('t1', week, '2026-11-25T15:30:00Z');
    expect(key('t1', week, '2026-11-25T23:59:59Z')).toBe(wed);
    expect(key('t1', week, '2026-11-30T09:00:00Z')).not.toBe(wed);
    // A clock set back (QUERY_FIXED_NOW, a replay) gets the key of its own day again.
    expect(key('t1', week, '2026-11-25T08:00:00Z')).toBe(wed);
    const plain = 'Open incidents by priority';
    const thu = key('t1', plain, '2026-11-26T09:00:00Z');
    expect(key('t1', plain, '2026-11-25T09:00:00Z')).not.toBe(thu);
    expect(key('t1', plain, '2026-11-26T09:00:00Z')).toBe(thu);
  });

  it('an answer cached by one pod is served by another until a write to its table commits', async () => {
    const tenant = randomUUID();
    const { key } = a.answers.keyOf(tenant, 'How many bugs were resolved last week?', new Date());
    await a.answers.set(
      key,
      answer(tenant, models.version, await a.answers.generations(tenant, ['work_items'])),
    );

    expect(await b.answers.lookup(tenant, key)).toMatchObject({ fresh: true, entry: { rows: [[7]] } });
    await writeDirectly(
      `INSERT INTO pull_requests (tenant_id, external_id, repository, title, author, state, created_at)
       VALUES ($1, 'PR-1', 'api', 'Fix login', 'ana', 'open', now())`,
      [tenant],
    );
    expect(await a.answers.lookup(tenant, key)).toMatchObject({ fresh: true });
    await writeDirectly(
      `INSERT INTO work_items (tenant_id, external_id, project, title, type, status, priority, created_at, updated_at)
       VALUES ($1, 'W-1', 'P', 'Login bug', 'bug', 'done', 'high', now(), now())`,
      [tenant],
    );
    expect(await a.answers.lookup(tenant, key)).toMatchObject({ fresh: false });
    expect(await b.answers.lookup(tenant, key)).toMatchObject({ fresh: false });
  });

  it('never returns another tenant’s entry, nor one of another model version', async () => {
    const [t1, t2] = [randomUUID(), randomUUID()];
    const { key } = a.answers.keyOf(t1, 'Open PRs by repository', new Date());
    await a.answers.set(key, answer(t1, models.version, {}));
    expect(await b.answers.lookup(t2, key)).toBeNull();
    const old = a.answers.keyOf(t1, 'Open incidents by priority', new Date()).key;
    await a.answers.set(old, answer(t1, 'older-model-version', {}));
    expect(await b.answers.lookup(t1, old)).toBeNull();
  });

  it('offers an indexed question to its own tenant’s plan and embedding lookups only, on every pod', async () => {
    const [t1, t2] = [randomUUID(), randomUUID()];
    const unsure: QuestionFingerprint = {
      numbers: [],
      identifiers: [],
      window: null,
      understood: 'pull_requests',
      unread: ['newcomer'],
      planSignature: null,
    };
    const vector = new Float32Array([0.6, 0.8]);
    const key = a.answers.keyOf(t1, 'Which reviewers approve PRs by newcomers?', new Date()).key;
    await a.answers.index(t1, {
      key,
      question: 'Which reviewers approve PRs by newcomers?',
      fingerprint: unsure,
      vector,
      embeddingModel: 'm',
      at: Date.now(),
    });
    const planned = a.answers.keyOf(t1, 'Open PRs by repository', new Date()).key;
    await a.answers.index(t1, {
      key: planned,
      question: 'Open PRs by repository',
      fingerprint: { ...unsure, unread: [], planSignature: 'sig' },
      vector: null,
      embeddingModel: null,
      at: Date.now(),
    });
    const query = { vector, model: 'm', fingerprint: unsure };
    expect(await b.answers.findSimilar(t1, query)).toMatchObject({ key, similarity: expect.any(Number) });
    expect(await b.answers.findByPlan(t1, 'sig')).toBe(planned);
    expect(await b.answers.findSimilar(t2, query)).toBeNull();
    expect(await b.answers.findByPlan(t2, 'sig')).toBeNull();
    // Another fingerprint (a number the cached question lacks) is never served, however close the embedding.
    expect(
      await b.answers.findSimilar(t1, { ...query, fingerprint: { ...unsure, numbers: ['5'] } }),
    ).toBeNull();
  });
});
