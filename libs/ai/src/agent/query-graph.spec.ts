import type { CachedAnswer } from '../cache/cache.types';
import type { QueryPlan } from '../semantic';
import type { GuardResult } from '../sql';
import { MAX_CORRECTIONS, QueryGraphService, type QueryGraphNodes } from './query-graph.service';
import type {
  CacheHit,
  CorrectionState,
  CorrectionUpdate,
  NodeProgress,
  QueryContext,
  QueryNode,
  QueryNodeName,
  QueryState,
  QueryUpdate,
  RoutingDecision,
} from './query-state';
import { QueryStepError } from './query-step.error';

type Next = RoutingDecision['next'];

const ROUTES: Record<Next, RoutingDecision['route']> = {
  done: 'cached',
  refresh: 'cached',
  simple: 'simple',
  complex: 'complex',
  refuse: 'refuse',
};

function routing(next: Next): RoutingDecision {
  return {
    route: ROUTES[next],
    reason: `fake ${next}`,
    confidence: null,
    threshold: 0.7,
    cache: { kind: null, match: null, similarity: null, fresh: null },
    llmAvailable: null,
    next,
  };
}

const entry = (sql: string) => ({ sql, rows: [[1]] }) as unknown as CachedAnswer;

function context(over: Partial<QueryContext> = {}): QueryContext {
  return {
    tenantId: 't1',
    question: 'How many bugs?',
    noCache: false,
    now: new Date('2026-11-25T12:00:00Z'),
    knownValues: {},
    exact: { key: 't1:k', normalized: 'how many bugs' },
    exactHit: null,
    ...over,
  };
}

interface Scenario {
  next: Next;
  /** Validation verdicts, one per generation: true accepts the draft. */
  verdicts?: boolean[];
  /** A node that throws (a provider's 503), with the error. */
  failing?: { node: QueryNodeName; error: Error };
}

/** The real compiled graph over fake nodes that record the order they ran in and what context they saw. */
function graphFor(s: Scenario) {
  const ran: QueryNodeName[] = [];
  const tenants = new Set<string>();
  const verdicts = [...(s.verdicts ?? [])];
  function fake<S, U>(name: QueryNodeName, run: (state: S) => U): QueryNode<S, U> {
    return {
      name,
      run: (state, ctx) => {
        ran.push(name);
        tenants.add(ctx.tenantId);
        if (s.failing?.node === name) throw s.failing.error;
        return run(state);
      },
    };
  }
  const node = fake<QueryState, QueryUpdate>;
  const step = fake<CorrectionState, CorrectionUpdate>;
  const stale: CacheHit = {
    kind: 'exact',
    match: 'text',
    key: 't1:k',
    entry: entry('SELECT 1'),
    fresh: false,
    similarity: null,
  };
  const nodes: QueryGraphNodes = {
    entry: node('entry', () => ({ plan: { answerable: true } as QueryPlan, timings: { plan: 1 } })),
    cacheLookup: node('cacheLookup', () => {
      const r = routing(s.next);
      switch (s.next) {
        case 'done':
          return { routing: r, outcome: { status: 'answered', answer: entry('SELECT cached') } };
        case 'refuse':
          return { routing: r, outcome: { status: 'refused' } };
        case 'refresh':
          return { routing: r, hit: stale, candidate: { source: 'cache', sql: 'SELECT 1' } };
        case 'simple':
        case 'complex':
          return { routing: r };
      }
    }),
    compile: node('compile', () => ({ candidate: { source: 'semantic', sql: 'SELECT semantic' } })),
    retrieve: step('retrieve', () => ({
      context: { tables: [], examples: [], rules: [], relationships: [] },
    })),
    generate: step('generate', (st) => ({
      draft: { content: '{}', sql: `SELECT draft ${st.attempts.length + 1}` },
      llm: {
        provider: 'gateway',
        model: 'm',
        costUsd: 0.01 * (st.attempts.length + 1),
        inputTokens: 0,
        outputTokens: 0,
        calls: st.attempts.length + 1,
        llmMs: 0,
      },
      timings: { llm: 1 },
    })),
    validate: step('validate', (st) => {
      const ok = verdicts.shift() ?? false;
      const sql = st.draft!.sql;
      return {
        attempts: [
          {
            content: '{}',
            sql,
            issues: ok ? [] : [{ stage: 'rules', rule: 'r', message: 'wrong' }],
          },
        ],
        candidate: ok && sql ? { source: 'llm', sql } : null,
      };
    }),
    guard: node('guard', (st) => ({
      guarded: { sql: st.candidate!.sql, tables: ['work_items'] } as unknown as GuardResult,
    })),
    execute: node('execute', () => ({
      result: { columns: ['n'], rows: [[1]], rowCount: 1, truncated: false },
      generations: {},
      asOf: '2026-11-25T12:00:00.000Z',
    })),
    store: node('store', (st) => ({
      outcome: { status: 'answered', answer: entry(st.guarded!.sql) },
    })),
  };
  // The fakes stand in for the injected node classes: the graph only calls `name` and `run`.
  const n = nodes;
  const graph = new QueryGraphService(
    ...([
      n.entry,
      n.cacheLookup,
      n.compile,
      n.retrieve,
      n.generate,
      n.validate,
      n.guard,
      n.execute,
      n.store,
    ] as unknown as ConstructorParameters<typeof QueryGraphService>),
  );
  return { graph, ran, tenants };
}

describe('QueryGraphService (the real graph over fake nodes)', () => {
  it('ends a fresh cached answer at the lookup, answered', async () => {
    const { graph, ran } = graphFor({ next: 'done' });
    const s = await graph.run(context());
    expect(s.outcome).toEqual({ status: 'answered', answer: entry('SELECT cached') });
    expect(ran).toEqual(['entry', 'cacheLookup']);
  });

  it('re-runs a stale cached answer’s SQL through the guard, without compiling or a model', async () => {
    const { graph, ran } = graphFor({ next: 'refresh' });
    const s = await graph.run(context());
    expect(s.outcome).toEqual({ status: 'answered', answer: entry('SELECT 1') });
    expect(ran).toEqual(['entry', 'cacheLookup', 'guard', 'execute', 'store']);
  });

  it('answers a simple question from the semantic compiler’s SQL', async () => {
    const { graph, ran } = graphFor({ next: 'simple' });
    const s = await graph.run(context());
    expect(s.outcome).toEqual({ status: 'answered', answer: entry('SELECT semantic') });
    expect(ran).toEqual(['entry', 'cacheLookup', 'compile', 'guard', 'execute', 'store']);
    expect(Object.keys(s.timings).sort()).toEqual(
      ['cacheLookup', 'compile', 'entry', 'execute', 'guard', 'plan', 'store'].sort(),
    );
  });

  it('answers a complex question whose SQL is valid the first time', async () => {
    const { graph, ran, tenants } = graphFor({ next: 'complex', verdicts: [true] });
    const s = await graph.run(context());
    expect(s.outcome).toEqual({ status: 'answered', answer: entry('SELECT draft 1') });
    expect(ran).toEqual([
      'entry',
      'cacheLookup',
      'retrieve',
      'generate',
      'validate',
      'guard',
      'execute',
      'store',
    ]);
    expect(s.llm).toMatchObject({ provider: 'gateway', calls: 1 });
    // The correction loop's steps report their time in the run's timings; the run's context reaches them.
    expect(s.timings).toEqual(
      expect.objectContaining({ retrieve: expect.any(Number), generate: expect.any(Number), llm: 1 }),
    );
    expect([...tenants]).toEqual(['t1']);
  });

  it('sends invalid SQL back to the model and runs the corrected SQL', async () => {
    const { graph, ran } = graphFor({ next: 'complex', verdicts: [false, true] });
    const s = await graph.run(context());
    expect(s.outcome).toEqual({ status: 'answered', answer: entry('SELECT draft 2') });
    expect(ran.filter((n) => n === 'generate')).toHaveLength(2);
    expect(ran.slice(-3)).toEqual(['guard', 'execute', 'store']);
    expect(s.timings.llm).toBe(2);
  });

  it('rejects after the correction limit, executing nothing', async () => {
    const { graph, ran } = graphFor({ next: 'complex', verdicts: [false, false, false, true] });
    const s = await graph.run(context());
    expect(s.outcome).toMatchObject({ status: 'rejected' });
    const attempts = s.outcome?.status === 'rejected' ? s.outcome.attempts : [];
    expect(attempts.map((a) => a.sql)).toEqual(['SELECT draft 1', 'SELECT draft 2', 'SELECT draft 3']);
    expect(attempts).toHaveLength(MAX_CORRECTIONS + 1);
    expect(ran).toEqual([
      'entry',
      'cacheLookup',
      'retrieve',
      'generate',
      'validate',
      'generate',
      'validate',
      'generate',
      'validate',
    ]);
    expect(s.llm).toMatchObject({ calls: 3 });
  });

  it('refuses a question no route can answer, running nothing after the lookup', async () => {
    const { graph, ran } = graphFor({ next: 'refuse' });
    const s = await graph.run(context());
    expect(s.outcome).toEqual({ status: 'refused' });
    expect(s.routing?.route).toBe('refuse');
    expect(ran).toEqual(['entry', 'cacheLookup']);
  });

  it('reports each step as it finishes when asked, the correction loop’s included', async () => {
    const { graph } = graphFor({ next: 'complex', verdicts: [false, true] });
    const steps: NodeProgress[] = [];
    const s = await graph.run(context(), { onProgress: (p) => steps.push(p) });
    expect(s.outcome?.status).toBe('answered');
    expect(steps.map((p) => p.node)).toEqual([
      'entry',
      'cacheLookup',
      'retrieve',
      'generate',
      'validate',
      'generate',
      'validate',
      'guard',
      'execute',
      'store',
    ]);
    for (const p of steps) expect(p.ms).toEqual(expect.any(Number));
  });

  it('a failing step throws its own error with the route and the steps’ times up to it', async () => {
    const error = new Error('provider unavailable');
    const { graph } = graphFor({ next: 'complex', verdicts: [false], failing: { node: 'generate', error } });
    // The first generation fails: the loop never got a draft.
    const thrown = await graph.run(context()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(QueryStepError);
    const { cause, trace } = thrown as QueryStepError;
    expect(cause).toBe(error);
    expect(trace.routing?.route).toBe('complex');
    expect(Object.keys(trace.timings).sort()).toEqual(['cacheLookup', 'entry', 'plan', 'retrieve']);
  });

  it('a failing execution keeps the SQL it was running in the trace', async () => {
    const error = new Error('database unavailable');
    const { graph } = graphFor({ next: 'simple', failing: { node: 'execute', error } });
    const thrown = (await graph.run(context()).catch((e: unknown) => e)) as QueryStepError;
    expect(thrown.cause).toBe(error);
    expect(thrown.trace).toMatchObject({ sql: 'SELECT semantic', routing: { route: 'simple' } });
    expect(thrown.trace.timings).toEqual(expect.objectContaining({ compile: expect.any(Number) }));
  });
});
