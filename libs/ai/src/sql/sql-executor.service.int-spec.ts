import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import { businessCatalog } from './sql-catalog';
import { SqlExecutorService } from './sql-executor.service';
import { SqlGuardException } from './sql-guard.exception';
import { createSqlTestKit, type SqlTestKit } from './testing/sql-test-kit';
import { createTwoTenants, type TwoTenants } from './testing/tenant-fixtures';

async function failure(promise: Promise<unknown>): Promise<SqlGuardException> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SqlGuardException) return err;
    throw err;
  }
  throw new Error('expected the query to fail');
}

describe('SqlExecutorService (real PostgreSQL, reader role, RLS)', () => {
  let kit: SqlTestKit;
  let tenants: TwoTenants;
  const handWritten = (sql: string) => ({ sql, params: [] as const });

  beforeAll(async () => {
    kit = await createSqlTestKit({ SQL_ROW_LIMIT: '100' });
    tenants = await createTwoTenants(kit.pg.pool);
  });

  afterAll(async () => {
    await tenants?.cleanup();
    await kit?.close();
  });

  describe('row-level security as defence in depth', () => {
    it("shows only the caller's rows to SQL that lacks any tenant predicate (guard bypassed)", async () => {
      const { a, b } = tenants;
      const rows = await kit.executor.execute(
        handWritten('SELECT tenant_id, title FROM work_items ORDER BY title'),
        {
          tenantId: a.id,
        },
      );
      expect(rows.columns).toEqual(['tenant_id', 'title']);
      expect(rows.rowCount).toBe(a.counts.work_items);
      expect(rows.rows.every(([tenant]) => tenant === a.id)).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(b.marker);

      const joined = await kit.executor.execute(
        handWritten(
          'SELECT count(*) FROM work_items w JOIN pull_requests p ON p.repository = w.project ' +
            'LEFT JOIN deployments d ON d.service = w.project',
        ),
        { tenantId: b.id },
      );
      const { rows: expected } = await kit.pg.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM work_items w JOIN pull_requests p ON p.repository = w.project AND p.tenant_id = $1
           LEFT JOIN deployments d ON d.service = w.project AND d.tenant_id = $1 WHERE w.tenant_id = $1`,
        [b.id],
      );
      expect(joined.rows).toEqual([[expected[0].n]]);
    });

    it('shows nothing to a tenant without rows', async () => {
      const rows = await kit.executor.execute(handWritten('SELECT * FROM work_items'), {
        tenantId: randomUUID(),
      });
      expect(rows.rowCount).toBe(0);
    });

    it('leaves the pooled connection as it found it (role and tenant are transaction-local)', async () => {
      await kit.executor.execute(handWritten('SELECT 1'), { tenantId: tenants.a.id });
      for (let i = 0; i < 3; i++) {
        const { rows } = await kit.pg.pool.query<{ role: string; tenant: string | null }>(
          "SELECT current_user AS role, current_setting('app.tenant_id', true) AS tenant",
        );
        expect(rows[0].role).not.toBe('pulse_ai_reader');
        expect(rows[0].tenant ?? '').toBe('');
      }
    });
  });

  it('runs guarded SQL end to end and returns columns and rows in order', async () => {
    const guarded = await kit.validator.validate(
      'SELECT external_id, story_points FROM work_items ORDER BY story_points DESC LIMIT 2',
      { catalog: businessCatalog(), tenantId: tenants.a.id },
    );
    const result = await kit.executor.execute(guarded, { tenantId: tenants.a.id });
    expect(result).toEqual({
      columns: ['external_id', 'story_points'],
      rows: [
        [`${tenants.a.marker}-WI-5`, 6],
        [`${tenants.a.marker}-WI-4`, 5],
      ],
      rowCount: 2,
      truncated: false,
    });
  });

  it('returns JSON-safe values: exact numbers, ISO-8601 times, base64 bytes', async () => {
    const result = await kit.executor.execute(
      handWritten(`SELECT 1.10::numeric AS exact, 12345678901234567890.5::numeric AS huge, 9007199254740993::bigint AS big,
        42::bigint AS small, 'NaN'::float8 AS nan, 2.5::float4 AS real,
        '2024-05-01 10:00:00.123456+02'::timestamptz AS ts, '2024-05-01 10:00:00'::timestamp AS local_ts,
        '2024-05-01'::date AS day, '08:30:00'::time AS t, interval '1 day 2 hours 3.5 seconds' AS span,
        '\\x0102ff'::bytea AS bytes, ARRAY[1.5, 2]::numeric[] AS nums, '{"a": [1, 2]}'::jsonb AS doc,
        ARRAY['2024-01-01 00:00:00+00'::timestamptz] AS stamps, true AS flag, NULL::text AS nothing,
        '4a5b8f1e-0000-4000-8000-000000000000'::uuid AS id`),
      { tenantId: tenants.a.id },
    );
    const row = Object.fromEntries(result.columns.map((c, i) => [c, result.rows[0][i]]));
    expect(row).toEqual({
      exact: 1.1,
      huge: '12345678901234567890.5',
      big: '9007199254740993',
      small: 42,
      nan: 'NaN',
      real: 2.5,
      ts: '2024-05-01T08:00:00.123456Z',
      local_ts: '2024-05-01T10:00:00',
      day: '2024-05-01',
      t: '08:30:00',
      span: 'P1DT2H3.5S',
      bytes: Buffer.from([1, 2, 255]).toString('base64'),
      nums: [1.5, 2],
      doc: { a: [1, 2] },
      stamps: ['2024-01-01T00:00:00Z'],
      flag: true,
      nothing: null,
      id: '4a5b8f1e-0000-4000-8000-000000000000',
    });
    expect(JSON.parse(JSON.stringify(result.rows))).toEqual(result.rows);
  });

  it('caps rows on the server side and says so', async () => {
    const capped = await kit.executor.execute(handWritten('SELECT g FROM generate_series(1, 50) g'), {
      tenantId: tenants.a.id,
      maxRows: 10,
    });
    expect(capped.rowCount).toBe(10);
    expect(capped.truncated).toBe(true);
    const whole = await kit.executor.execute(handWritten('SELECT g FROM generate_series(1, 50) g'), {
      tenantId: tenants.a.id,
      maxRows: 50,
    });
    expect(whole.rowCount).toBe(50);
    expect(whole.truncated).toBe(false);

    const guarded = kit.guard.check('SELECT title FROM work_items', {
      catalog: businessCatalog(),
      rowLimit: 3,
    });
    const limited = await kit.executor.execute(guarded, { tenantId: tenants.a.id });
    expect(limited.rowCount).toBe(3);
    expect(limited.truncated).toBe(true);
  });

  it('cancels a query at the statement timeout with a reason', async () => {
    const started = Date.now();
    const err = await failure(
      kit.executor.execute(handWritten('SELECT pg_sleep(5)'), { tenantId: tenants.a.id, timeoutMs: 200 }),
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(err.code).toBe(ErrorCode.SQL_REJECTED);
    expect(err.rule).toBe('timeout');
    expect(err.reason).toMatch(/longer than 200 ms/);
  });

  it('refuses writes in the read-only transaction, and reads outside the reader grants', async () => {
    const seq = `sqlguard_seq_${Date.now()}`;
    await kit.pg.pool.query(`CREATE SEQUENCE ${seq}; GRANT USAGE ON SEQUENCE ${seq} TO pulse_ai_reader`);
    try {
      const write = await failure(
        kit.executor.execute(handWritten(`SELECT nextval('${seq}')`), { tenantId: tenants.a.id }),
      );
      expect(write.rule).toBe('read_only_violation');
      expect(write.details.sqlState).toBe('25006');
    } finally {
      await kit.pg.pool.query(`DROP SEQUENCE ${seq}`);
    }
    const denied = await failure(
      kit.executor.execute(handWritten('SELECT * FROM tenants'), { tenantId: tenants.a.id }),
    );
    expect(denied.rule).toBe('permission_denied');
    expect(denied.reason).toMatch(/permission denied for table tenants/);
  });

  it('refuses a second statement even in hand-written SQL (extended protocol)', async () => {
    const err = await failure(
      kit.executor.execute(handWritten('SELECT 1; DELETE FROM work_items'), { tenantId: tenants.a.id }),
    );
    expect(err.code).toBe(ErrorCode.SQL_REJECTED);
    const { rows } = await kit.pg.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM work_items WHERE tenant_id = $1',
      [tenants.a.id],
    );
    expect(rows[0].n).toBe(tenants.a.counts.work_items);
  });

  it('requires a tenant id', async () => {
    const err = await failure(kit.executor.execute(handWritten('SELECT 1'), { tenantId: '' }));
    expect(err.code).toBe(ErrorCode.VALIDATION_FAILED);
  });

  it('reports an unreachable database as DEPENDENCY_UNAVAILABLE', async () => {
    const config = new AppConfig({ ...process.env, DATABASE_URL: 'postgresql://root@127.0.0.1:1/nowhere' });
    const pool = new PgPoolService(config);
    try {
      const err = await failure(
        new SqlExecutorService(config, pool).execute(handWritten('SELECT 1'), { tenantId: tenants.a.id }),
      );
      expect(err.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    } finally {
      await pool.onModuleDestroy();
    }
  });
});
