import { InsightDetectionService } from '@app/insights';
import { insertDeployments, weeklyDeployments } from '@app/insights/testing/insight-fixtures';
import { startQueryTestApp, type QueryTestApp } from './support/query-test-kit';
import { expectErrorShape } from './support/test-app';

// The data's reference week; detection runs as of it, and its findings are detected (stored) today.
const DATA_NOW = new Date('2026-12-02T12:00:00.000Z');

/** 30 weeks of one service's production deployments, 7 of 13 failing in the last complete week. */
const spiked = (service: string) =>
  weeklyDeployments({
    now: DATA_NOW,
    weeks: 30,
    service,
    perWeek: (w) => (w === 29 ? 13 : 14),
    failures: (w) => (w === 29 ? 7 : w % 3 === 0 ? 2 : 1),
  });

interface Answer {
  columns: string[];
  rows: unknown[][];
  understood: string;
}

const cells = (body: Answer) => body.rows.flat().map(String);

describe('Questions answered from insights (POST /v1/ai/query → the open_insights entity, reader role, RLS)', () => {
  let t: QueryTestApp;
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };

  beforeAll(async () => {
    // The real clock: "this week" is the week the findings were detected in.
    t = await startQueryTestApp({ QUERY_FIXED_NOW: '', INSIGHTS_INTERVAL_S: '0' });
    [a, b] = [await t.createTenant(), await t.createTenant()];
    await insertDeployments(t.pool, a.id, spiked('payments-api'));
    await insertDeployments(t.pool, b.id, spiked('orders-api'));
    const detection = t.app.get(InsightDetectionService);
    await detection.run(a.id, DATA_NOW);
    await detection.run(b.id, DATA_NOW);
  });

  afterAll(async () => {
    await t?.close();
  });

  it.each([
    'anything unusual this week?',
    'What changed in deployments?',
    'any anomalies in deployments this week',
    'what has changed in change failure rate this week?',
    'show me high severity anomalies',
    'list the insights detected this week',
    'Anything unusual?',
  ])('"%s" lists the caller’s open findings with their summaries', async (q) => {
    const res = await t.ask(a.apiKey, q, { noCache: true });
    expect(res.status).toBe(200);
    const body = res.body as Answer;
    expect(body.understood).toMatch(/insights/);
    expect(body.columns).toEqual(expect.arrayContaining(['summary', 'severity']));
    expect(cells(body)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Change failure rate for payments-api rose to 54%/)]),
    );
    // Tenant B's finding never shows.
    expect(cells(body).filter((c) => c.includes('orders-api'))).toEqual([]);
  });

  it('says what it understood, restating the area asked about', async () => {
    const res = await t.ask(a.apiKey, 'what changed in deployments this week?', { noCache: true });
    expect(res.body.understood).toMatch(
      /^list of open insights where metric is deployment frequency, change failure rate or time to restore median, detected this week/,
    );
  });

  it('answers with no rows, not another area’s findings, when nothing unusual was found there', async () => {
    for (const q of ['any anomalies in cycle time last month?', 'what changed in pull requests this week']) {
      const res = await t.ask(a.apiKey, q, { noCache: true });
      expect(res.status).toBe(200);
      expect(res.body.understood).toMatch(/insights/);
      expect(res.body.rows).toEqual([]);
    }
  });

  it('keeps questions about the records themselves on their records (a refusal beats a wrong answer)', async () => {
    const deployments = await t.ask(a.apiKey, 'how many deployments failed last week', { noCache: true });
    expect(deployments.status).toBe(200);
    expect(deployments.body.understood).toMatch(/^number of deployments where status is failed/);
    const list = await t.ask(a.apiKey, 'list deployments', { noCache: true });
    expect(list.body.understood).toMatch(/^list of deployments/);
    const cycle = await t.ask(a.apiKey, 'what is the median cycle time last month', { noCache: true });
    expect(cycle.body.understood).toMatch(/cycle time/);
    expect(cycle.body.understood).not.toMatch(/insights/);
    // An area's preposition does not make a question about the records an insights question (was a 500).
    for (const q of ['busiest week for deployments', 'Which week was the busiest for deployments?']) {
      const busiest = await t.ask(a.apiKey, q, { noCache: true });
      expect(busiest.status).toBe(200);
      expect(busiest.body.understood).toMatch(/^number of deployments, .*the one week with the most/);
    }
    // "changed" of a record's status is not "what changed": not read, so refused rather than misread.
    const changed = await t.ask(a.apiKey, 'how many deployments changed status', { noCache: true });
    expect(changed.status).toBe(422);
    expectErrorShape(changed.body, 'CANNOT_ANSWER');
  });

  it('counts the caller’s open findings (insights have no count measure of their own; was a 500)', async () => {
    const res = await t.ask(a.apiKey, 'how many insights are there?', { noCache: true });
    expect(res.status).toBe(200);
    expect(res.body.understood).toMatch(/^number of open insights/);
    const mine = (await t.ask(a.apiKey, 'anything unusual?', { noCache: true })).body.rows.length;
    expect(res.body.rows).toEqual([[mine]]);
  });

  it('tenant B sees its own finding only, through the same question', async () => {
    const res = await t.ask(b.apiKey, 'anything unusual this week?', { noCache: true });
    expect(res.status).toBe(200);
    const texts = cells(res.body as Answer);
    expect(texts).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Change failure rate for orders-api/)]),
    );
    expect(texts.filter((c) => c.includes('payments-api'))).toEqual([]);
  });

  it('the reader role sees only the tenant it is set to, even with no tenant predicate in the SQL', async () => {
    const client = await t.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE pulse_ai_reader');
      await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [b.id]);
      const { rows } = await client.query<{ tenant_id: string }>('SELECT tenant_id FROM open_insights');
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([b.id]));
      // The table behind the view is under the same policy; its alert bookkeeping is not in the view.
      const direct = await client.query<{ tenant_id: string }>('SELECT tenant_id FROM insights');
      expect(new Set(direct.rows.map((r) => r.tenant_id))).toEqual(new Set([b.id]));
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('a dismissed finding leaves the answers, cached ones included', async () => {
    const first = await t.ask(a.apiKey, 'what changed in deployments?');
    expect(
      cells(first.body as Answer).some((c) => c.startsWith('Change failure rate for payments-api')),
    ).toBe(true);
    const { insights } = (await t.request({ method: 'GET', url: '/v1/ai/insights', token: a.apiKey }))
      .body as {
      insights: { id: string; dimension: { value: string } | null }[];
    };
    const finding = insights.find((i) => i.dimension?.value === 'payments-api')!;
    const dismissed = await t.request({
      method: 'POST',
      url: `/v1/ai/insights/${finding.id}/dismiss`,
      token: a.apiKey,
    });
    expect(dismissed.status).toBe(200);
    const again = await t.ask(a.apiKey, 'what changed in deployments?');
    expect(again.status).toBe(200);
    expect(
      cells(again.body as Answer).some((c) => c.startsWith('Change failure rate for payments-api')),
    ).toBe(false);
  });
});
