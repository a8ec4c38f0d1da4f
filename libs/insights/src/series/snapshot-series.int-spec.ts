import { randomUUID } from 'node:crypto';
import { AppConfig } from '@app/config';
import { PgPoolService } from '@app/database';
import {
  SemanticModelService,
  SemanticSqlCompilerService,
  SqlExecutorService,
  SqlGuardService,
} from '@app/ai';
import { detectAnomaly } from '../detection/anomaly-detector';
import { summarize } from '../detection/finding-summary';
import { InsightSnapshotsRepository, type SnapshotRow } from '../insight-snapshots.repository';
import { DEFAULT_DETECTION_OPTIONS, type Grain, type MetricSeries } from '../insights.types';
import { seededRandom } from '../testing/series-fixtures';
import { MetricSeriesService } from './metric-series.service';
import { SnapshotSeriesService } from './snapshot-series.service';

const DAY_MS = 86_400_000;
// Wednesday; the last complete week is 23–29 Nov.
const NOW = new Date('2026-12-02T12:00:00.000Z');
const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);

/**
 * WIP history accrues from the readings each detection run records (the data keeps no status history): the
 * readings are taken through the compiler, the guard and the reader role, stored one per tenant, metric,
 * dimension and day under row-level security, and built into series the detector judges.
 */
describe('WIP snapshots (real PostgreSQL)', () => {
  const config = new AppConfig();
  const pg = new PgPoolService(config);
  const models = new SemanticModelService(config);
  const guard = new SqlGuardService(config);
  const series = new MetricSeriesService(
    models,
    new SemanticSqlCompilerService(models),
    guard,
    new SqlExecutorService(config, pg),
  );
  const repository = new InsightSnapshotsRepository(pg);
  const snapshots = new SnapshotSeriesService(series, repository);
  const wip = series.metric('wip')!;
  const tenants: string[] = [];

  async function createTenant(): Promise<string> {
    const id = randomUUID();
    await pg.pool.query('INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $2)', [id, `wip-${id}`]);
    tenants.push(id);
    return id;
  }

  /** Work items as the ETL stores them: [project, status, days old]. */
  async function insertItems(tenantId: string, items: [string, string, number][]): Promise<void> {
    await pg.pool.query(
      `INSERT INTO work_items (tenant_id, external_id, project, title, type, status, priority, created_at, updated_at)
       SELECT $1, 'WI-' || n, p, 'Item ' || n, 'story', st, 'medium', c::timestamptz, c::timestamptz
       FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS x(p, st, c, n)`,
      [
        tenantId,
        items.map((i) => i[0]),
        items.map((i) => i[1]),
        items.map((i) => new Date(NOW.getTime() - i[2] * DAY_MS).toISOString()),
      ],
    );
  }

  /** Readings as earlier runs would have recorded them: `values[i]` WIP of project PAY `values.length - i` days ago… today. */
  async function readingsOf(tenantId: string, values: number[]): Promise<void> {
    const today = Date.parse(isoDay(NOW.getTime()));
    const rows: SnapshotRow[] = values.flatMap((v, i) => {
      const day = isoDay(today - (values.length - 1 - i) * DAY_MS);
      const base = { tenantId, metric: 'wip', day, value: v, volume: v };
      return [
        { ...base, dimensionName: '', dimensionValue: '', value: v + 3, volume: v + 3 },
        { ...base, dimensionName: 'project', dimensionValue: 'PAY' },
      ];
    });
    await repository.record(rows);
  }

  const pay = (all: MetricSeries[]) => all.find((s) => s.dimension?.value === 'PAY');
  const build = (tenantId: string, grain: Grain, periods: number) =>
    snapshots.build({ tenantId, metric: wip, grain, now: NOW, periods, minVolume: 5 });

  beforeAll(() => guard.onModuleInit());

  afterAll(async () => {
    await pg.pool.query('DELETE FROM tenants WHERE id = ANY($1)', [tenants]);
    await pg.pool.query('DELETE FROM work_items WHERE tenant_id = ANY($1)', [tenants]);
    await pg.onModuleDestroy();
  });

  it("records today's WIP and median age per project, one row per day: a re-run the same day overwrites", async () => {
    const a = await createTenant();
    await insertItems(a, [
      ...Array.from({ length: 6 }, (): [string, string, number] => ['PAY', 'in_progress', 10]),
      ['PAY', 'in_review', 4],
      ['PAY', 'in_review', 4],
      ['PAY', 'done', 30],
      ['PAY', 'todo', 2],
      ['OPS', 'in_progress', 3],
    ]);
    expect(await snapshots.record(a, NOW)).toBe(6);
    const read = async () =>
      (
        await pg.pool.query<{ metric: string; dimension_value: string; value: number; volume: number }>(
          `SELECT metric, dimension_value, value, volume FROM insight_snapshots WHERE tenant_id = $1
           ORDER BY metric, dimension_value, day`,
          [a],
        )
      ).rows;
    expect(await read()).toEqual([
      { metric: 'aging_wip_median', dimension_value: '', value: 10, volume: 9 },
      { metric: 'aging_wip_median', dimension_value: 'OPS', value: 3, volume: 1 },
      { metric: 'aging_wip_median', dimension_value: 'PAY', value: 10, volume: 8 },
      { metric: 'wip', dimension_value: '', value: 9, volume: 9 },
      { metric: 'wip', dimension_value: 'OPS', value: 1, volume: 1 },
      { metric: 'wip', dimension_value: 'PAY', value: 8, volume: 8 },
    ]);

    // Later the same day two items are finished: the day's rows take the new reading, no rows are added.
    await pg.pool.query(
      `UPDATE work_items SET status = 'done' WHERE tenant_id = $1 AND status = 'in_review'`,
      [a],
    );
    await snapshots.record(a, new Date(NOW.getTime() + 3 * 3_600_000));
    const again = await read();
    expect(again).toHaveLength(6);
    expect(again.filter((r) => r.metric === 'wip')).toEqual([
      { metric: 'wip', dimension_value: '', value: 7, volume: 7 },
      { metric: 'wip', dimension_value: 'OPS', value: 1, volume: 1 },
      { metric: 'wip', dimension_value: 'PAY', value: 6, volume: 6 },
    ]);
    // The next day is a row of its own.
    await snapshots.record(a, new Date(NOW.getTime() + DAY_MS));
    expect(await read()).toHaveLength(12);
  });

  it("lets the reader role see only app.tenant_id's readings (row-level security)", async () => {
    const [a, b] = [await createTenant(), await createTenant()];
    await readingsOf(a, [20, 21]);
    await readingsOf(b, [30]);
    const asReader = async (tenant: string | null) => {
      const client = await pg.pool.connect();
      try {
        await client.query('BEGIN READ ONLY');
        await client.query('SET LOCAL ROLE pulse_ai_reader');
        if (tenant) await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenant]);
        // No tenant predicate of its own: the policy alone decides.
        const { rows } = await client.query<{ tenant_id: string }>(
          'SELECT tenant_id FROM insight_snapshots WHERE tenant_id = ANY($1)',
          [[a, b]],
        );
        return rows.map((r) => r.tenant_id);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    };
    expect(await asReader(b)).toEqual([b, b]);
    expect(await asReader(a)).toHaveLength(4);
    expect(new Set(await asReader(a))).toEqual(new Set([a]));
    expect(await asReader(null)).toEqual([]);
    // And the service reads one tenant only.
    expect(pay(await build(b, 'day', 3))!.points.map((p) => p.value)).toEqual([null, null, 30]);
  });

  it('finds WIP in a project rising to 42 items against its usual level, in plain words', async () => {
    const t = await createTenant();
    const random = seededRandom(18);
    const usual = Array.from({ length: 56 }, () => 20 + Math.floor(random() * 7));
    await readingsOf(t, [...usual, 42]);
    const s = pay(await build(t, 'day', DEFAULT_DETECTION_OPTIONS.baseline.day + 1))!;
    expect(s.points.at(-1)).toMatchObject({ start: '2026-12-02T00:00:00.000Z', value: 42, volume: 42 });
    const d = detectAnomaly(s, DEFAULT_DETECTION_OPTIONS)!;
    expect(d).toMatchObject({ kind: 'spike', direction: 'up', observed: 42 });
    expect(d.expected.low).toBeGreaterThan(15);
    expect(d.expected.high).toBeLessThan(32);
    expect(summarize(wip, 'day', s.dimension, d)).toMatch(
      /^Work in progress in project PAY rose to 42 items on Wed 2 Dec, against a usual \d+–\d+ items\.$/,
    );
    // Its usual days do not alert.
    const quiet = await createTenant();
    await readingsOf(quiet, usual);
    expect(detectAnomaly(pay(await build(quiet, 'day', 57))!, DEFAULT_DETECTION_OPTIONS)).toBeNull();
  });

  it('finds a weekly level shift of WIP, each week the mean of its readings', async () => {
    const t = await createTenant();
    const random = seededRandom(7);
    // 20 weeks around 23 items, then the last three complete weeks around 40 (the current week's days too).
    const days = 20 * 7 + 3 * 7 + 3;
    await readingsOf(
      t,
      Array.from({ length: days }, (_, i) => (i < 20 * 7 ? 20 : 37) + Math.floor(random() * 7)),
    );
    const s = pay(await build(t, 'week', 34))!;
    expect(s.points.at(-1)!.start).toBe('2026-11-23T00:00:00.000Z');
    const d = detectAnomaly(s, DEFAULT_DETECTION_OPTIONS)!;
    expect(d).toMatchObject({ kind: 'level_shift', direction: 'up' });
    expect(d.observed).toBeGreaterThan(36);
    expect(summarize(wip, 'week', s.dimension, d)).toMatch(
      /^Work in progress in project PAY has been up at \d+ items on average since the week of \d+ Nov, against a usual \d+–\d+ items\.$/,
    );
  });

  it('says nothing until enough readings exist: 28 days for daily series, 8 weeks for weekly ones', async () => {
    const history = (days: number) => Array.from({ length: days }, (_, i) => 20 + (i % 7));
    const t = await createTenant();
    await readingsOf(t, [...history(27), 60]);
    const daily = pay(await build(t, 'day', 57))!;
    // Days before the first run are gaps, not zeros.
    expect(daily.points.slice(0, 29).every((p) => p.value === null)).toBe(true);
    expect(detectAnomaly(daily, DEFAULT_DETECTION_OPTIONS)).toBeNull();
    // One more day of readings, and the same reading is a finding.
    const enough = await createTenant();
    await readingsOf(enough, [...history(28), 60]);
    expect(detectAnomaly(pay(await build(enough, 'day', 57))!, DEFAULT_DETECTION_OPTIONS)).toMatchObject({
      direction: 'up',
      observed: 60,
    });

    // Six weeks around 23 items, then two complete weeks at 45 (and the current week's days): 8 weeks in all.
    const w = await createTenant();
    await readingsOf(
      w,
      Array.from({ length: 8 * 7 + 3 }, (_, i) => (i < 6 * 7 ? 23 : 45)),
    );
    const weekly = pay(await build(w, 'week', 34))!;
    expect(weekly.points.filter((p) => p.value !== null)).toHaveLength(8);
    expect(detectAnomaly(weekly, DEFAULT_DETECTION_OPTIONS)).toBeNull();
  });

  it('gives a project a series of its own only with enough items in progress on average', async () => {
    const t = await createTenant();
    const today = Date.parse(isoDay(NOW.getTime()));
    await repository.record(
      [0, 1, 2].flatMap((ago) => {
        const day = isoDay(today - ago * DAY_MS);
        const row = { tenantId: t, metric: 'wip', day, dimensionName: 'project' };
        return [
          { ...row, dimensionName: '', dimensionValue: '', value: 12, volume: 12 },
          { ...row, dimensionValue: 'BIG', value: 9, volume: 9 },
          { ...row, dimensionValue: 'TINY', value: 3, volume: 3 },
        ];
      }),
    );
    const all = await build(t, 'day', 3);
    expect(all.map((s) => s.dimension?.value ?? null)).toEqual([null, 'BIG']);
  });
});
