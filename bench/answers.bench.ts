/**
 * `npm run bench:answers`: how often the zero-cost route answers right. Boots the whole app (no LLM configured) on a
 * fresh database, ingests two generated tenants through the ETL API, asks every question of the bank
 * (bench/answers) over HTTP with noCache, and grades each answer against ground truth computed in plain JS from
 * the generated rows. Prints coverage (correct / asked) and precision (correct / answered) overall and per kind,
 * outcome counts, planning and request times, and the wrong answers. Writes bench/results/answers.json.
 *
 *   npm run bench:answers
 *   npm run bench:answers -- --kind list,lookup --limit 50 --show-wrong --json /tmp/answers.json
 *   npm run bench:answers -- --grep 'PAY-|older than' --show-wrong
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import {
  ACME,
  BENCH_NOW,
  generateAnswerDataset,
  GLOBEX,
  toEtlRecords,
  type AnswerDataset,
} from './answers/answer-dataset.generator';
import {
  QUESTION_KINDS,
  type BankQuestion,
  type HttpAnswer,
  type Outcome,
  type Verdict,
} from './answers/answer-bank.types';
import { grade } from './answers/answer.grader';
import { buildQuestionBank } from './answers/question-bank';
import { writeBenchResult, type BenchFigure } from './report-schema';
import { round, startBenchApp } from './support';

const opts = new Command()
  .option('--kind <kinds>', 'only these kinds (comma-separated)')
  .option('--limit <n>', 'ask at most n questions')
  .option('--grep <regex>', 'only questions whose text or id matches (case-insensitive)')
  .option('--show-wrong', 'print every wrong answer and refusal (default: the first 40 wrong)')
  .option('--json <file>', 'write every question, answer and verdict to this file')
  .parse()
  .opts<{ kind?: string; limit?: string; grep?: string; showWrong?: boolean; json?: string }>();

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const ratio = (a: number, b: number) => (b === 0 ? NaN : a / b);
const fmt = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(3));

interface Asked {
  question: BankQuestion;
  verdict: Verdict;
  status: number;
  planMs?: number;
  requestMs: number;
  got?: unknown;
}

async function main(): Promise<void> {
  const wall = performance.now();
  const acme = generateAnswerDataset(ACME);
  const second = generateAnswerDataset(GLOBEX);
  let bank = buildQuestionBank(acme, second, BENCH_NOW);
  const kinds = opts.kind?.split(',').map((k) => k.trim());
  if (kinds) bank = bank.filter((q) => kinds.includes(q.kind));
  if (opts.grep) {
    const re = new RegExp(opts.grep, 'i');
    bank = bank.filter(
      (q) => re.test(q.text) || re.test(q.id) || (q.first !== undefined && re.test(q.first)),
    );
  }
  if (opts.limit) bank = bank.slice(0, Number(opts.limit));

  const bench = await startBenchApp('answers', {
    QUERY_FIXED_NOW: BENCH_NOW.toISOString(),
    RECONCILE_INTERVAL_S: '0',
    LOG_LEVEL: 'silent',
  });
  const asked: Asked[] = [];
  let healthMs: number[] = [];
  try {
    const base = bench.server.baseUrl;
    const call = async (path: string, token: string, body?: unknown): Promise<HttpAnswer> => {
      const res = await fetch(`${base}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const keys: Record<'a' | 'b', string> = {
      a: (await bench.server.createTenant('answers-acme')).apiKey,
      b: (await bench.server.createTenant('answers-globex')).apiKey,
    };
    const seed = async (key: string, ds: AnswerDataset) => {
      for (const [entity, rows] of [
        ['work_items', ds.workItems],
        ['pull_requests', ds.pullRequests],
        ['deployments', ds.deployments],
      ] as const) {
        for (let i = 0; i < rows.length; i += 1000) {
          const res = await call(`/v1/etl/${entity}/records`, key, {
            records: toEtlRecords(rows.slice(i, i + 1000)),
          });
          const rejected = (res.body as { rejected?: unknown[] }).rejected ?? [];
          if (res.status !== 202 || rejected.length > 0)
            throw new Error(`seeding ${entity}: ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
        }
      }
    };
    const seeded = performance.now();
    await seed(keys.a, acme);
    await seed(keys.b, second);
    // The truth is computed from the generated rows: every one of them must be stored, and nothing else.
    for (const [key, ds] of [
      [keys.a, acme],
      [keys.b, second],
    ] as const) {
      const { entities } = (await call('/v1/etl/status', key)).body as {
        entities: Record<string, { records: number }>;
      };
      const stored = [entities.work_items, entities.pull_requests, entities.deployments].map(
        (e) => e.records,
      );
      const made = [ds.workItems.length, ds.pullRequests.length, ds.deployments.length];
      if (stored.join() !== made.join())
        throw new Error(`stored ${stored.join('/')} records, generated ${made.join('/')}`);
    }
    const rows = (ds: AnswerDataset) => ds.workItems.length + ds.pullRequests.length + ds.deployments.length;
    console.log(
      `seeded ${rows(acme)} + ${rows(second)} rows for two tenants in ${round((performance.now() - seeded) / 1000)} s; asking ${bank.length} questions (NOW = ${BENCH_NOW.toISOString()})`,
    );

    const ask = async (key: string, question: string, conversationId?: string) => {
      const t0 = performance.now();
      const res = await call('/v1/ai/query', key, {
        question,
        ...(conversationId ? { conversationId } : {}),
        options: { noCache: true },
      });
      return { res, ms: performance.now() - t0 };
    };
    for (const [i, q] of bank.entries()) {
      const key = keys[q.tenant];
      let conversationId: string | undefined;
      if (q.first) {
        const first = await ask(key, q.first);
        conversationId = (first.res.body as { conversationId?: string }).conversationId;
        if (first.res.status !== 200 || !conversationId) {
          asked.push({
            question: q,
            // Not an answer to the follow-up: it was never asked.
            status: 0,
            requestMs: first.ms,
            verdict: {
              outcome: 'refused',
              detail:
                first.res.status === 200
                  ? 'no conversationId on the first answer'
                  : `first question: HTTP ${first.res.status}`,
            },
          });
          continue;
        }
      }
      const { res, ms } = await ask(key, q.text, conversationId);
      const timings = (res.body as { timings?: Record<string, number> }).timings;
      asked.push({
        question: q,
        verdict: grade(q, res),
        status: res.status,
        planMs: timings?.plan,
        requestMs: ms,
        got: res.status === 200 ? pick(res.body) : (res.body as { error?: unknown }).error,
      });
      if ((i + 1) % 100 === 0) console.log(`  ${i + 1}/${bank.length}`);
    }
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await call('/health/live', keys.a);
      healthMs.push(performance.now() - t0);
    }
  } finally {
    await bench.close();
  }
  healthMs = healthMs.slice(5);
  report(asked, healthMs, (performance.now() - wall) / 1000);
}

/** The parts of an answer worth keeping in the report. */
function pick(body: unknown): unknown {
  const b = body as {
    columns?: unknown;
    rows?: unknown[];
    rowCount?: unknown;
    sql?: unknown;
    truncated?: unknown;
  };
  return {
    columns: b.columns,
    rows: b.rows?.slice(0, 5),
    rowCount: b.rowCount,
    truncated: b.truncated,
    sql: b.sql,
  };
}

function tally(list: Asked[]) {
  const n = (o: Outcome) => list.filter((a) => a.verdict.outcome === o).length;
  const correct = n('correct');
  // A refusal the bank wants (must_refuse) is correct but not an answer.
  const answered = list.filter((a) => a.status === 200).length;
  const correctAnswers = list.filter((a) => a.status === 200 && a.verdict.outcome === 'correct').length;
  return {
    asked: list.length,
    correct,
    wrong: n('wrong'),
    refused: n('refused'),
    error: n('error'),
    answered,
    coverage: ratio(correct, list.length),
    precision: ratio(correctAnswers, answered),
  };
}

function report(asked: Asked[], healthMs: number[], seconds: number): void {
  const total = tally(asked);
  const table = [...QUESTION_KINDS, 'all' as const]
    .map((kind) => {
      const t = tally(kind === 'all' ? asked : asked.filter((a) => a.question.kind === kind));
      return { kind, ...t, coverage: fmt(t.coverage), precision: fmt(t.precision) };
    })
    .filter((row) => row.asked > 0);
  const wrong = asked.filter((a) => a.verdict.outcome === 'wrong' || a.verdict.outcome === 'error');
  const shown = opts.showWrong ? wrong : wrong.slice(0, 40);
  if (shown.length > 0) console.log(`\nWrong answers and errors (${shown.length} of ${wrong.length}):`);
  for (const a of shown) {
    console.log(
      `- [${a.question.id}] ${a.question.first ? `${a.question.first} → ` : ''}${a.question.text}\n    ${a.verdict.outcome}: ${a.verdict.detail ?? ''}`,
    );
    const sql = (a.got as { sql?: unknown } | undefined)?.sql;
    if (opts.showWrong && typeof sql === 'string') console.log(`    sql: ${sql}`);
  }
  if (opts.showWrong) {
    console.log('\nRefusals:');
    for (const a of asked.filter((x) => x.verdict.outcome === 'refused'))
      console.log(`- [${a.question.id}] ${a.question.text} (${a.verdict.detail ?? ''})`);
  }
  const plan = asked.flatMap((a) => (a.planMs === undefined ? [] : [a.planMs]));
  const request = asked.map((a) => a.requestMs);
  console.log('');
  console.table(table);
  console.log(
    `coverage ${fmt(total.coverage)} (${total.correct}/${total.asked}), precision ${fmt(total.precision)} (${total.correct - asked.filter((a) => a.status !== 200 && a.verdict.outcome === 'correct').length}/${total.answered}); ` +
      `plan p50 ${round(percentile(plan, 50), 2)} ms, p99 ${round(percentile(plan, 99), 2)} ms (${plan.length} answers with timings.plan); ` +
      `request p50 ${round(percentile(request, 50), 1)} ms, p99 ${round(percentile(request, 99), 1)} ms; health p50 ${round(percentile(healthMs, 50), 2)} ms`,
  );

  const figures: BenchFigure[] = [
    {
      label: 'coverage: correct / asked (bank)',
      value: round(total.coverage, 3),
      unit: 'ratio',
      goal: '≥ 0.90',
    },
    {
      label: 'precision: correct / answered (bank)',
      value: round(total.precision, 3),
      unit: 'ratio',
      goal: '≥ 0.99',
    },
    {
      label: 'planning time p50 (timings.plan, answered questions)',
      value: round(percentile(plan, 50), 2),
      unit: 'ms',
    },
    {
      label: 'planning time p99 (timings.plan, answered questions)',
      value: round(percentile(plan, 99), 2),
      unit: 'ms',
    },
    {
      label: 'question round trip p50 (HTTP, noCache, all questions)',
      value: round(percentile(request, 50), 2),
      unit: 'ms',
      baseline: { label: 'GET /health/live round trip p50', value: round(percentile(healthMs, 50), 2) },
    },
    {
      label: 'question round trip p99 (HTTP, noCache, all questions)',
      value: round(percentile(request, 99), 2),
      unit: 'ms',
    },
    ...table
      .filter((row) => row.kind !== 'all')
      .map((row) => ({
        label: `coverage, ${row.kind} (${row.correct}/${row.asked}; precision ${row.precision} of ${row.answered} answered)`,
        value: round(row.asked === 0 ? 0 : row.correct / row.asked, 3),
        unit: 'ratio',
      })),
  ].filter((f) => Number.isFinite(f.value));
  const file = writeBenchResult({
    name: 'answers',
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}`,
    figures,
    notes: [
      `${total.asked} questions (bench/answers): ${total.correct} correct, ${total.wrong} wrong, ${total.refused} refused, ${total.error} errors.`,
      'No LLM configured: every question goes to the zero-cost route or is refused (422).',
      'The seeded rows are vectorized in the background while the first questions are asked, so round trips include that load; the planner time does not depend on it as much.',
      'Ground truth is plain JS over the generated rows; grading conventions in bench/answers/README.md.',
      ...(opts.kind || opts.grep || opts.limit
        ? [
            `A subset of the bank (--kind ${opts.kind ?? '-'} --grep ${opts.grep ?? '-'} --limit ${opts.limit ?? '-'}).`,
          ]
        : []),
    ],
  });
  if (opts.json) {
    writeFileSync(
      opts.json,
      `${JSON.stringify(
        asked.map((a) => ({
          ...a.question,
          outcome: a.verdict.outcome,
          detail: a.verdict.detail,
          status: a.status,
          got: a.got,
        })),
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${opts.json}`);
  }
  console.log(`wrote ${file} in ${round(seconds)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
