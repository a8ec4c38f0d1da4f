import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PgPoolService } from '@app/database';
import {
  InsightDetectionService,
  InsightsSchedulerService,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhook,
} from '@app/insights';
import {
  insertDeployments,
  weeklyDeployments,
  type DeploymentRow,
} from '@app/insights/testing/insight-fixtures';
import { eventually } from './support/eventually';
import { expectErrorShape, startTestApp, type TestApp } from './support/test-app';

/** A local webhook receiver that refuses the first `failFirst` deliveries with a 500. */
async function startReceiver(failFirst: number) {
  const received: { headers: IncomingMessage['headers']; body: string; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = received.length < failFirst ? 500 : 200;
      received.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/pulse`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Wednesday: the last complete week is 23–29 Nov.
const NOW = new Date('2026-12-02T12:00:00.000Z');

/** 30 weeks of payments-api production deployments, 7 of 13 failing in the last complete week. */
const spikedDeployments = () =>
  weeklyDeployments({
    now: NOW,
    weeks: 30,
    service: 'payments-api',
    perWeek: (w) => (w === 29 ? 13 : 14),
    failures: (w) => (w === 29 ? 7 : w % 3 === 0 ? 2 : 1),
  });

describe('Insights (API, detection on real PostgreSQL, webhooks through BullMQ)', () => {
  let t: TestApp;
  let dataDir: string;
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  let receiverA: Awaited<ReturnType<typeof startReceiver>>;
  let receiverB: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-insights-'));
    t = await startTestApp({
      DATA_DIR: dataDir,
      RECONCILE_INTERVAL_S: '0',
      INSIGHTS_INTERVAL_S: '0',
      QUERY_FIXED_NOW: NOW.toISOString(),
      WEBHOOK_BACKOFF_MS: '200',
      WEBHOOK_ATTEMPTS: '4',
    });
    [a, b] = [await t.createTenant(), await t.createTenant()];
    receiverA = await startReceiver(2);
    receiverB = await startReceiver(0);
    const pool = t.app.get(PgPoolService).pool;
    // payments-api: 14 deployments a week, about 1 failing; the last complete week 7 of 13 failed.
    await insertDeployments(
      pool,
      a.id,
      weeklyDeployments({
        now: NOW,
        weeks: 30,
        service: 'payments-api',
        perWeek: (w) => (w === 29 ? 13 : 14),
        failures: (w) => (w === 29 ? 7 : w % 3 === 0 ? 2 : 1),
      }),
    );
    // search-api in tenant A and everything in tenant B: steady.
    await insertDeployments(
      pool,
      a.id,
      weeklyDeployments({
        now: NOW,
        weeks: 30,
        service: 'search-api',
        perWeek: () => 12,
        failures: (w) => w % 2,
      }),
    );
    await insertDeployments(
      pool,
      b.id,
      weeklyDeployments({
        now: NOW,
        weeks: 30,
        service: 'payments-api',
        perWeek: () => 14,
        failures: (w) => w % 2,
      }),
    );
    for (const [tenant, receiver] of [
      [a, receiverA],
      [b, receiverB],
    ] as const) {
      const res = await t.request({
        method: 'PUT',
        url: '/v1/integrations/alerts',
        token: tenant.apiKey,
        body: { kind: 'webhook', provider: 'webhook', baseUrl: receiver.url, apiKey: `secret-${tenant.id}` },
      });
      expect(res.status).toBe(200);
    }
  });

  afterAll(async () => {
    await t?.close();
    await receiverA?.close();
    await receiverB?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const list = (apiKey: string, query = '') =>
    t.request({ method: 'GET', url: `/v1/ai/insights${query}`, token: apiKey });

  it('finds the change-failure spike after a refresh and explains it with evidence SQL', async () => {
    const refresh = await t.request({ method: 'POST', url: '/v1/ai/insights/refresh', token: a.apiKey });
    expect(refresh.status).toBe(202);
    // The run is asynchronous: wait for the service's finding.
    await eventually(
      async () =>
        (await list(a.apiKey, '?metric=change_failure_rate')).body.insights.some(
          (i: { dimension: { value: string } | null }) => i.dimension?.value === 'payments-api',
        ),
      { timeoutMs: 60_000, what: 'a change failure rate insight for payments-api' },
    );
    const { insights } = (await list(a.apiKey, '?metric=change_failure_rate')).body;
    // The service's spike only: the tenant-wide rate it lifts (8 of 25) would tell the same thing less precisely.
    expect(insights).toHaveLength(1);
    const cfr = insights[0];
    expect(cfr).toMatchObject({
      metric: 'change_failure_rate',
      dimension: { name: 'service', value: 'payments-api' },
      window: { start: '2026-11-23T00:00:00.000Z', end: '2026-11-30T00:00:00.000Z' },
      direction: 'up',
      severity: 'high',
      status: 'open',
    });
    expect(cfr.observed).toBeCloseTo(7 / 13, 3);
    expect(cfr.expected.low).toBeLessThan(cfr.expected.value);
    expect(cfr.expected.high).toBeLessThan(cfr.observed);
    expect(cfr.summary).toMatch(
      /^Change failure rate for payments-api rose to 54% in the week of 23 Nov, against a usual \d+–\d+%; 7 of 13 production deployments failed or were rolled back\.$/,
    );
    expect(cfr.evidenceSql).toContain("'payments-api'");
    expect(cfr.evidenceSql).not.toContain(a.id);
    // Steady search-api and the tenant-wide series stay quiet.
    const all = (await list(a.apiKey)).body.insights as {
      dimension: { value: string } | null;
      severity: string;
    }[];
    expect(all.filter((i) => i.dimension?.value === 'search-api')).toEqual([]);
  });

  it('delivers the high finding to the tenant’s webhook, signed, retried until it is taken', async () => {
    await eventually(() => Promise.resolve(receiverA.received.some((r) => r.status === 200)), {
      timeoutMs: 30_000,
      what: 'a delivery accepted by the receiver',
    });
    expect(receiverA.received.map((r) => r.status)).toEqual([500, 500, 200]);
    const { insights } = (await list(a.apiKey, '?severity=high')).body;
    for (const r of receiverA.received) {
      const signature = r.headers[SIGNATURE_HEADER] as string;
      const timestamp = r.headers[TIMESTAMP_HEADER] as string;
      expect(verifyWebhook(`secret-${a.id}`, { signature, timestamp }, r.body)).toBe(true);
      expect(verifyWebhook(`secret-${b.id}`, { signature, timestamp }, r.body)).toBe(false);
      const payload = JSON.parse(r.body);
      expect(payload).toMatchObject({ type: 'insight.created', tenantId: a.id });
      expect(insights.map((i: { id: string }) => i.id)).toContain(payload.insight.id);
    }
    expect(receiverB.received).toEqual([]);
    const metrics = await t.request({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /pulse_insights_findings_total\{[^}]*severity="high",metric="change_failure_rate"\} 1/,
    );
    expect(metrics.body).toMatch(/pulse_insight_webhook_deliveries_total\{[^}]*outcome="failed"\} 2/);
  });

  it('re-running the same window neither duplicates findings nor alerts again', async () => {
    const pool = t.app.get(PgPoolService).pool;
    const count = async () =>
      Number((await pool.query('SELECT count(*) FROM insights WHERE tenant_id = $1', [a.id])).rows[0].count);
    const before = await count();
    const detection = t.app.get(InsightDetectionService);
    const runs = await Promise.all([detection.run(a.id), detection.run(a.id)]);
    expect(runs[0].findings).toBe(runs[1].findings);
    expect(await count()).toBe(before);
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiverA.received.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('counts a dead letter when every delivery attempt fails', async () => {
    const c = await t.createTenant();
    const receiverC = await startReceiver(Number.POSITIVE_INFINITY);
    try {
      await insertDeployments(
        t.app.get(PgPoolService).pool,
        c.id,
        weeklyDeployments({
          now: NOW,
          weeks: 30,
          service: 'payments-api',
          perWeek: (w) => (w === 29 ? 13 : 14),
          failures: (w) => (w === 29 ? 7 : w % 3 === 0 ? 2 : 1),
        }),
      );
      const put = await t.request({
        method: 'PUT',
        url: '/v1/integrations/alerts',
        token: c.apiKey,
        body: { kind: 'webhook', provider: 'webhook', baseUrl: receiverC.url, apiKey: 'secret-c' },
      });
      expect(put.status).toBe(200);
      await t.app.get(InsightDetectionService).run(c.id);
      // Its only service is also the whole tenant: the service's finding stands for both.
      const highs = (await list(c.apiKey, '?severity=high')).body.insights as unknown[];
      expect(highs.length).toBeGreaterThan(0);
      const deadLetters = async () => {
        const text = (await t.request({ method: 'GET', url: '/metrics' })).body as string;
        return Number(/pulse_insight_webhook_dead_letters_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
      };
      await eventually(async () => (await deadLetters()) === highs.length, {
        timeoutMs: 30_000,
        what: 'every alert dead-lettered',
      });
      // WEBHOOK_ATTEMPTS=4: the first try and three retries per alert, then nothing more.
      expect(receiverC.received).toHaveLength(4 * highs.length);
    } finally {
      await receiverC.close();
    }
  });

  it('watches median time to restore per service (failure → next successful deployment)', async () => {
    const m = await t.createTenant();
    const end = Date.parse('2026-11-30T00:00:00.000Z');
    const rows: DeploymentRow[] = [];
    // 30 weeks of search-api: 6 failures a week, each restored by the next success in 1–1.5 hours; in the last
    // complete week restores took 9–12 hours.
    for (let w = 30; w >= 1; w--) {
      for (let i = 0; i < 6; i++) {
        const failedAt = end - w * 7 * 86_400_000 + (i % 5) * 86_400_000 + ((8 + i) * 3_600_000) / 4;
        const hours = w === 1 ? 9 + (i % 4) : 1 + ((w * 7 + i) % 6) / 10;
        rows.push({
          service: 'search-api',
          environment: 'production',
          status: 'failed',
          startedAt: new Date(failedAt),
        });
        // The fixture finishes a deployment 5 minutes after it starts.
        rows.push({
          service: 'search-api',
          environment: 'production',
          status: 'success',
          startedAt: new Date(failedAt + hours * 3_600_000 - 5 * 60_000),
        });
      }
    }
    await insertDeployments(t.app.get(PgPoolService).pool, m.id, rows);
    await t.app.get(InsightDetectionService).run(m.id);
    const { insights } = (await list(m.apiKey, '?metric=time_to_restore_median')).body;
    expect(insights).toEqual([
      expect.objectContaining({
        metric: 'time_to_restore_median',
        dimension: { name: 'service', value: 'search-api' },
        window: { start: '2026-11-23T00:00:00.000Z', end: '2026-11-30T00:00:00.000Z' },
        direction: 'up',
      }),
    ]);
    expect(insights[0].observed).toBeGreaterThan(9);
    expect(insights[0].expected.value).toBeLessThan(1.6);
    expect(insights[0].summary).toMatch(
      /^Median time to restore for search-api rose to [\d.]+ hours in the week of 23 Nov/,
    );
    // Another tenant sees none of it.
    expect((await list(b.apiKey, '?metric=time_to_restore_median')).body.insights).toEqual([]);
  });

  it('watches WIP from the readings each run records: a project at 42 items against its usual 20–26', async () => {
    const w = await t.createTenant();
    const pool = t.app.get(PgPoolService).pool;
    // 40 days of readings earlier runs recorded (PAY 20–26 items in progress, the tenant 3 more) …
    const today = Date.parse('2026-12-02T00:00:00.000Z');
    for (let ago = 40; ago >= 1; ago--) {
      const day = new Date(today - ago * 86_400_000).toISOString().slice(0, 10);
      const v = 20 + ((ago * 5) % 7);
      await pool.query(
        `INSERT INTO insight_snapshots (tenant_id, metric, dimension_name, dimension_value, day, value, volume)
         VALUES ($1, 'wip', '', '', $2, $3::int, $3::int), ($1, 'wip', 'project', 'PAY', $2, $4::int, $4::int)`,
        [w.id, day, v + 3, v],
      );
    }
    // … and today 42 items of PAY are in progress or in review.
    await pool.query(
      `INSERT INTO work_items (tenant_id, external_id, project, title, type, status, priority, created_at, updated_at)
       SELECT $1, 'WIP-' || n, 'PAY', 'Item ' || n, 'story', CASE WHEN n % 3 = 0 THEN 'in_review' ELSE 'in_progress' END,
              'medium', timestamptz '2026-11-20T09:00:00Z', timestamptz '2026-11-20T09:00:00Z'
       FROM generate_series(1, 42) AS n`,
      [w.id],
    );
    await pool.query('DELETE FROM change_outbox WHERE tenant_id = $1', [w.id]);
    const detection = t.app.get(InsightDetectionService);
    await detection.run(w.id);
    await detection.run(w.id);
    const { insights } = (await list(w.apiKey, '?metric=wip')).body;
    // The project's finding explains the tenant-wide rise; a re-run neither duplicates it nor the readings.
    expect(insights).toEqual([
      expect.objectContaining({
        metric: 'wip',
        dimension: { name: 'project', value: 'PAY' },
        window: { start: '2026-12-02T00:00:00.000Z', end: '2026-12-03T00:00:00.000Z' },
        direction: 'up',
        observed: 42,
      }),
    ]);
    expect(insights[0].summary).toMatch(
      /^Work in progress in project PAY rose to 42 items on Wed 2 Dec, against a usual \d+–\d+ items\.$/,
    );
    const { rows } = await pool.query(
      `SELECT metric, dimension_value, value FROM insight_snapshots WHERE tenant_id = $1 AND day = '2026-12-02'
       ORDER BY metric, dimension_value`,
      [w.id],
    );
    expect(rows).toEqual([
      { metric: 'aging_wip_median', dimension_value: '', value: 12.13 },
      { metric: 'aging_wip_median', dimension_value: 'PAY', value: 12.13 },
      { metric: 'wip', dimension_value: '', value: 42 },
      { metric: 'wip', dimension_value: 'PAY', value: 42 },
    ]);
    // The age is rounded by the compiler as answers are (12.125 days). Age of WIP has one day of readings: nothing is said about it yet. Other tenants see none of it.
    expect((await list(w.apiKey, '?metric=aging_wip_median')).body.insights).toEqual([]);
    expect((await list(b.apiKey, '?metric=wip')).body.insights).toEqual([]);
  });

  it('runs detection for a tenant whose ETL wrote many rows since the last sweep', async () => {
    const d = await t.createTenant();
    const pool = t.app.get(PgPoolService).pool;
    await insertDeployments(pool, d.id, spikedDeployments());
    await pool.query(
      `INSERT INTO etl_batches (tenant_id, entity, total, accepted, queued, inserted)
       VALUES ($1, 'deployments', 2000, 2000, 0, 2000)`,
      [d.id],
    );
    const swept = await t.app.get(InsightsSchedulerService).sweep(new Date(Date.now() - 60_000));
    expect(swept.etlTriggered).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await list(d.apiKey)).body.insights.length > 0, {
      timeoutMs: 60_000,
      what: 'findings after the ETL-triggered run',
    });
  });

  it('forecasts when a project’s open backlog clears, and not from a few weeks of history', async () => {
    const g = await t.createTenant();
    const pool = t.app.get(PgPoolService).pool;
    const monday = Date.parse('2026-11-30T00:00:00.000Z');
    const rows: [string, string, string, string | null][] = [];
    for (let w = 1; w <= 12; w++) {
      const week = monday - w * 7 * 86_400_000;
      // PAY: 6 items opened and 10 old ones resolved every week for 12 weeks; SRCH only for the last 4.
      for (const [project, weeks] of [
        ['PAY', 12],
        ['SRCH', 4],
      ] as const) {
        if (w > weeks) continue;
        for (let i = 0; i < 6; i++)
          rows.push([project, 'todo', new Date(week + i * 3_600_000).toISOString(), null]);
        for (let i = 0; i < 10; i++) {
          rows.push([
            project,
            'done',
            '2025-06-02T09:00:00.000Z',
            new Date(week + 86_400_000 + i * 60_000).toISOString(),
          ]);
        }
      }
    }
    await pool.query(
      `INSERT INTO work_items (tenant_id, external_id, project, title, type, status, priority, created_at, updated_at,
         resolved_at)
       SELECT $1, 'WI-' || n, p, 'Item ' || n, 'story', st, 'medium', c::timestamptz, c::timestamptz,
              r::timestamptz
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS x(p, st, c, r, n)`,
      [g.id, rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3])],
    );
    await pool.query('DELETE FROM change_outbox WHERE tenant_id = $1', [g.id]);
    const res = await t.request({ method: 'GET', url: '/v1/ai/insights/forecasts', token: g.apiKey });
    expect(res.status).toBe(200);
    expect(res.body.forecasts).toEqual([
      expect.objectContaining({
        dimension: { name: 'project', value: 'PAY' },
        open: 72,
        netPerWeek: { value: 4, low: 4, high: 4 },
        weeks: { value: 18, low: 18, high: 18 },
        history: 12,
        summary: 'At the current pace the open backlog of project PAY (72 items) clears in 18 weeks (18–18).',
      }),
    ]);
    // Another tenant has no backlog here.
    const other = await t.request({ method: 'GET', url: '/v1/ai/insights/forecasts', token: b.apiKey });
    expect(other.body).toEqual({ forecasts: [] });
  });

  it('keeps tenants apart: B sees none of A’s findings and cannot dismiss them', async () => {
    const detection = t.app.get(InsightDetectionService);
    await detection.run(b.id);
    const mine = (await list(b.apiKey)).body.insights as { summary: string }[];
    const theirs = (await list(a.apiKey)).body.insights as { id: string; summary: string }[];
    expect(theirs.length).toBeGreaterThan(0);
    expect(mine.filter((i) => theirs.some((x) => x.summary === i.summary))).toEqual([]);
    const res = await t.request({
      method: 'POST',
      url: `/v1/ai/insights/${theirs[0].id}/dismiss`,
      token: b.apiKey,
    });
    expect(res.status).toBe(404);
    expectErrorShape(res.body, 'NOT_FOUND');
    expect(receiverB.received).toEqual([]);
  });

  it('dismisses a finding, and a re-run leaves it dismissed', async () => {
    const [cfr] = (await list(a.apiKey, '?metric=change_failure_rate&severity=high')).body.insights;
    const res = await t.request({
      method: 'POST',
      url: `/v1/ai/insights/${cfr.id}/dismiss`,
      token: a.apiKey,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: cfr.id, status: 'dismissed' });
    await t.app.get(InsightDetectionService).run(a.id);
    const after = (await list(a.apiKey, '?metric=change_failure_rate&severity=high')).body.insights;
    expect(after).toEqual([expect.objectContaining({ id: cfr.id, status: 'dismissed' })]);
  });

  it.each([
    ['since is not a date', '?since=yesterday'],
    ['unknown severity', '?severity=urgent'],
    ['unknown metric', '?metric=happiness'],
    ['limit out of range', '?limit=0'],
    ['unknown parameter', '?tenant=other'],
  ])('GET with %s → 400 in the error shape', async (_, query) => {
    const res = await list(a.apiKey, query);
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'VALIDATION_FAILED');
  });

  it('dismiss with a malformed id → 400, without a key → 401', async () => {
    const bad = await t.request({
      method: 'POST',
      url: '/v1/ai/insights/not-a-uuid/dismiss',
      token: a.apiKey,
    });
    expect(bad.status).toBe(400);
    expectErrorShape(bad.body, 'VALIDATION_FAILED');
    const anon = await t.request({ method: 'GET', url: '/v1/ai/insights' });
    expect(anon.status).toBe(401);
    expectErrorShape(anon.body);
  });
});

describe('Insights on a schedule (a repeatable job per tenant)', () => {
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-insights-schedule-'));
    t = await startTestApp({
      DATA_DIR: dataDir,
      RECONCILE_INTERVAL_S: '0',
      INSIGHTS_INTERVAL_S: '1',
      QUERY_FIXED_NOW: NOW.toISOString(),
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds a tenant’s anomaly without anyone asking', async () => {
    const e = await t.createTenant();
    await insertDeployments(t.app.get(PgPoolService).pool, e.id, spikedDeployments());
    const swept = await t.app.get(InsightsSchedulerService).sweep(new Date());
    expect(swept.scheduled).toBeGreaterThanOrEqual(1);
    await eventually(
      async () =>
        (
          (await t.request({ method: 'GET', url: '/v1/ai/insights?severity=high', token: e.apiKey })).body
            .insights as unknown[]
        ).length > 0,
      { timeoutMs: 60_000, what: 'a scheduled run’s findings' },
    );
  });
});
