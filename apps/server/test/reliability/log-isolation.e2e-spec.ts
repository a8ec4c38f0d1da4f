import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startOpenAiTestServer, type OpenAiTestServer } from '@app/common/testing/openai-test-server';
import { eventually } from '../support/eventually';
import { workItem } from '../support/records';
import { TestRedisServer } from '../support/redis-server';
import { startServerProcess, type ServerProcess } from '../support/server-process';
import { printSummary, runPool, StatusTally, type Method } from './reliability-support';

/**
 * The logs are a read path too: operators (and log pipelines shared across tenants) see them. A real server
 * process (role all, LOG_LEVEL=debug) serves two tenants with overlapping external ids and similar texts;
 * every line it writes is scanned. Each request carries an x-request-id naming its sender, so every request
 * log line can be checked against the tenant that really sent it.
 */
interface Tenant {
  label: 'a' | 'b';
  id: string;
  slug: string;
  apiKey: string;
  /** Appears only inside this tenant's record texts, questions, search queries and integration secret. */
  marker: string;
  integrationSecret: string;
}

interface Sent {
  tenant: Tenant;
  method: Method;
  url: string;
  status: number;
}

const REQUESTS = 600;

/** Deterministic pseudo-random sequence, so a failing run can be replayed with the same requests. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('Logs never carry one tenant’s data, secrets or identity into another’s requests', () => {
  let redis: TestRedisServer;
  let llm: OpenAiTestServer;
  let server: ServerProcess;
  let dataDir: string;
  const lines: string[] = [];
  const tally = new StatusTally();
  let leaks = 0;

  beforeAll(async () => {
    [redis, llm] = await Promise.all([
      TestRedisServer.start(),
      // The model answers with SQL that is valid for every tenant; the guard adds the tenant predicate.
      startOpenAiTestServer({ chat: () => JSON.stringify({ sql: 'SELECT count(*) AS n FROM work_items' }) }),
    ]);
    dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-log-isolation-'));
    server = await startServerProcess({
      env: {
        LOG_LEVEL: 'debug',
        REDIS_URL: redis.url,
        DATA_DIR: dataDir,
        RECONCILE_INTERVAL_S: '0',
        LLM_MAX_RETRIES: '0',
      },
      onLine: (line) => lines.push(line),
    });
  }, 120_000);

  afterAll(async () => {
    printSummary([
      {
        spec: 'log isolation (real process, debug logs)',
        requests: tally.total,
        statuses: tally.toString(),
        leaks,
        fiveHundreds: tally.fiveHundreds,
      },
    ]);
    await server?.stop('SIGTERM');
    await Promise.all([redis?.stop(), llm?.close()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function call(
    method: Method,
    url: string,
    token: string,
    body?: unknown,
    requestId?: string,
  ): Promise<{ status: number; body: any }> {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(requestId ? { 'x-request-id': requestId } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  async function createTenant(label: 'a' | 'b'): Promise<Tenant> {
    const slug = `logs-${label}-${Date.now()}`;
    const created = await call('POST', '/v1/admin/tenants', process.env.ADMIN_TOKEN!, { slug, name: slug });
    expect(created.status).toBe(201);
    const marker = `${label === 'a' ? 'AMBERFOX' : 'BLUEHERON'}${Math.random().toString(36).slice(2, 8)}`;
    const tenant: Tenant = {
      label,
      id: created.body.id,
      slug,
      apiKey: created.body.apiKey,
      marker,
      integrationSecret: `sk-${marker}-secret`,
    };
    const put = await call('PUT', '/v1/integrations/gateway', tenant.apiKey, {
      kind: 'llm',
      provider: 'openai-compatible',
      baseUrl: llm.url,
      apiKey: tenant.integrationSecret,
      model: 'test-model',
      inputCostPer1k: 0.001,
      outputCostPer1k: 0.002,
    });
    expect(put.status).toBe(200);
    return tenant;
  }

  it('every line written while two tenants work is free of secrets and customer text, and names only its own tenant', async () => {
    const tenants = [await createTenant('a'), await createTenant('b')];
    // Overlapping external ids, similar texts: only the marker tells the tenants' data apart.
    for (const tenant of tenants) {
      const res = await call('POST', '/v1/etl/work_items/records', tenant.apiKey, {
        records: Array.from({ length: 20 }, (_, i) =>
          workItem({
            externalId: `SHARED-${i}`,
            title: `Checkout ${tenant.marker} times out (${i})`,
            description: `Retry storm in ${tenant.marker} payment flow`,
          }),
        ),
      });
      expect(res.status).toBe(202);
    }

    const random = prng(20261125);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
    type Step = (tn: Tenant, n: number) => [Method, string, unknown?];
    const steps: Step[] = [
      (tn, n) => [
        'POST',
        '/v1/etl/work_items/records',
        { records: [workItem({ externalId: `SHARED-${n % 30}`, title: `${tn.marker} regression ${n}` })] },
      ],
      (tn) => ['POST', '/v1/ai/search', { query: `${tn.marker} checkout timeout`, limit: 5 }],
      (tn) => ['POST', '/v1/ai/query', { question: `How many work items mention ${tn.marker}?` }],
      () => ['POST', '/v1/ai/query', { question: 'How many work items were created in the last 30 days?' }],
      (tn) => ['POST', '/v1/ai/embed', { texts: [`${tn.marker} payment retries`] }],
      () => ['GET', '/v1/etl/status'],
      () => ['GET', '/v1/integrations'],
      () => ['GET', '/v1/metrics/performance'],
      (_tn, n) => ['DELETE', `/v1/etl/work_items/records/SHARED-${n % 30}`],
      // Bad input carrying the tenant's text in values: rejected, and the text must not reach the log.
      (tn) => ['POST', '/v1/ai/search', { query: `${tn.marker} `.repeat(5), limit: 'many' }],
      (tn) => ['POST', '/v1/etl/work_items/records', { records: [{ externalId: tn.marker, title: 42 }] }],
      (tn) => ['PUT', '/v1/integrations/gateway', { kind: 'llm', apiKey: tn.integrationSecret }],
    ];
    const sent = new Map<string, Sent>();
    await runPool(
      Array.from({ length: REQUESTS }, (_, n) => n),
      8,
      async (n) => {
        const tenant = pick(tenants);
        const [method, url, body] = pick(steps)(tenant, n);
        const requestId = `logscan-${tenant.label}-${n}`;
        const res = await call(method, url, tenant.apiKey, body, requestId);
        tally.add(res.status);
        sent.set(requestId, { tenant, method, url, status: res.status });
      },
    );
    // Let the worker finish the jobs the ingests queued (its log lines are part of the scan).
    for (const tenant of tenants)
      await eventually(
        async () => {
          const res = await call('GET', '/v1/etl/status', tenant.apiKey);
          return res.body.entities.work_items.pending === 0;
        },
        { timeoutMs: 120_000, intervalMs: 1_000, what: `tenant ${tenant.label} vectorized` },
      );

    const secrets = [
      process.env.ADMIN_TOKEN!,
      ...tenants.flatMap((tn) => [tn.apiKey, tn.integrationSecret, tn.apiKey.slice(-16)]),
    ];
    const findings: string[] = [];
    const seenRequestIds = new Set<string>();
    let parsed = 0;
    for (const line of lines) {
      const leak = (why: string) => findings.push(`${why}: ${line.slice(0, 300)}`);
      for (const secret of secrets) if (line.includes(secret)) leak('secret in log');
      for (const tn of tenants) if (line.includes(tn.marker)) leak(`tenant ${tn.label} text in log`);
      if (tenants.every((tn) => line.includes(tn.id))) leak('both tenants in one line');
      let entry: { req?: { id?: string }; tenantId?: string; requestId?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
        parsed++;
      } catch {
        continue;
      }
      const requestId = entry.req?.id ?? entry.requestId;
      const origin = requestId ? sent.get(requestId) : undefined;
      if (!origin) continue;
      seenRequestIds.add(requestId!);
      const other = tenants.find((tn) => tn !== origin.tenant)!;
      if (entry.tenantId !== undefined && entry.tenantId !== origin.tenant.id)
        leak(`request of tenant ${origin.tenant.label} logged as another tenant`);
      if (line.includes(other.id) || line.includes(other.slug))
        leak(`request of tenant ${origin.tenant.label} names tenant ${other.label}`);
    }
    leaks = findings.length;
    console.log(
      `[reliability] log scan: ${lines.length} lines (${parsed} JSON), ${seenRequestIds.size}/${sent.size} requests found in the log, ${findings.length} findings; statuses ${tally.toString()}`,
    );

    expect(findings.slice(0, 10)).toEqual([]);
    // The scan saw real traffic: every request we sent has its own log line, with its sender's tenant.
    expect(seenRequestIds.size).toBe(sent.size);
    expect(parsed).toBe(lines.length);
    expect(tally.fiveHundreds).toBe(0);
    expect(tally.count('2xx')).toBeGreaterThan(REQUESTS / 2);
    expect(tally.count('4xx')).toBeGreaterThan(0);
  }, 300_000);
});
