import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startOpenAiTestServer,
  type Behaviour,
  type OpenAiTestServer,
} from '@app/common/testing/openai-test-server';
import { eventually } from '../support/eventually';
import { workItem } from '../support/records';
import { startTestApp, type TestApp } from '../support/test-app';
import { boundedRequest, hasErrorShape, printSummary, StatusTally } from './reliability-support';

/** A question the semantic layer cannot answer, so it goes to the tenant's LLM (the complex route). */
const COMPLEX = 'Merged PRs by author since March, only ones without reviewers';
const SQL = JSON.stringify({ sql: 'SELECT count(*) AS n FROM work_items' });

describe('LLM faults (4 concurrent questions per phase): a slow, failing, malformed or hanging model gives 503 or a correct answer, never 500', () => {
  let t: TestApp;
  let llm: OpenAiTestServer;
  let dataDir: string;
  let apiKey = '';
  let wired = false;
  const tally = new StatusTally();
  const bad: string[] = [];
  let faults = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pulse-llm-faults-'));
    llm = await startOpenAiTestServer({ chat: () => SQL });
    // One breaker trip per phase would hide the phases after it; retries off keeps each phase short.
    t = await startTestApp({
      DATA_DIR: dataDir,
      RECONCILE_INTERVAL_S: '0',
      LLM_MAX_RETRIES: '0',
      LLM_BREAKER_FAILURES: '1000',
    });
    const doc = (await t.request({ method: 'GET', url: '/docs-json' })).body as {
      paths: Record<string, unknown>;
    };
    wired = '/v1/ai/query' in doc.paths;
    ({ apiKey } = await t.createTenant());
    await t.request({
      method: 'POST',
      url: '/v1/etl/work_items/records',
      token: apiKey,
      body: { records: [workItem(), workItem(), workItem()] },
    });
    const put = await t.request({
      method: 'PUT',
      url: '/v1/integrations/gateway',
      token: apiKey,
      body: {
        kind: 'llm',
        provider: 'openai-compatible',
        baseUrl: llm.url,
        model: 'test-model',
        tier: 'any',
        // Well above the slow phase's delay: a loaded machine adds its own latency to the model's.
        timeoutMs: 4000,
      },
    });
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    printSummary([
      {
        spec: 'faults: LLM scripted',
        requests: tally.total,
        statuses: tally.toString(),
        faults: `${faults} phases (slow, 500, malformed, hang)`,
        fiveHundreds: tally.fiveHundreds,
        hangs: tally.count('hung'),
      },
    ]);
    await t.close();
    await llm.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ask = async () => {
    const res = await boundedRequest(
      t,
      {
        method: 'POST',
        url: '/v1/ai/query',
        token: apiKey,
        body: { question: COMPLEX, options: { noCache: true } },
      },
      15_000,
    );
    tally.add(res.status, res.hung);
    if (res.hung) bad.push('hang');
    else if (res.status >= 500 && res.status !== 503) bad.push(`${res.status} ${JSON.stringify(res.body)}`);
    else if (res.status >= 400 && !hasErrorShape(res.body)) bad.push(`${res.status} without error shape`);
    else if (res.status === 200 && !Array.isArray(res.body.rows))
      bad.push(`200 without rows ${JSON.stringify(res.body)}`);
    return res;
  };

  it('answers, or says 503, through every scripted failure, and recovers when the model does', async () => {
    if (!wired) {
      console.log('[reliability] /v1/ai/query is not wired into the app: LLM fault phases not run');
      return;
    }
    // Healthy first: proves the question really reaches the model.
    const ok = await ask();
    expect(ok.status).toBe(200);
    expect(llm.requests.length).toBeGreaterThan(0);

    const phases: [string, Behaviour][] = [
      ['slow (1 s)', { kind: 'delay', ms: 1000 }],
      ['HTTP 500', { kind: 'status', status: 500, body: { error: { message: 'boom' } } }],
      ['malformed JSON', { kind: 'malformed' }],
      ['hang', { kind: 'hang' }],
    ];
    const byPhase: Record<string, number[]> = {};
    for (const [name, behaviour] of phases) {
      faults++;
      llm.setScript([], behaviour);
      const results = await Promise.all(Array.from({ length: 4 }, () => ask()));
      byPhase[name] = results.map((r) => r.status);
    }
    console.log(`[reliability] LLM faults: statuses by phase ${JSON.stringify(byPhase)}`);
    expect(bad).toEqual([]);
    // A slow model within the timeout still answers.
    expect(byPhase['slow (1 s)']).toEqual([200, 200, 200, 200]);

    llm.setScript([], { kind: 'ok' });
    await eventually(async () => (await ask()).status === 200, {
      timeoutMs: 40_000,
      intervalMs: 1000,
      what: 'answers again',
    });
    expect(bad).toEqual([]);
  });
});
