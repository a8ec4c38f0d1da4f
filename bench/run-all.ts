/**
 * `npm run bench`: runs every `bench:*` script of package.json one after another (a failing one is noted and
 * skipped), reads the bench/results/<name>.json each writes (bench/report-schema.ts) and writes bench/REPORT.md.
 *
 *   npm run bench                      # run all, then write the report
 *   npm run bench -- --only embedding  # run some (comma-separated names after `bench:`)
 *   npm run bench -- --report-only     # rewrite the report from the results already on disk
 *   npm run bench -- --timeout 900     # seconds per benchmark (default 1800)
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { parseBenchResult, ratioOf, RESULTS_DIR, type BenchFigure, type BenchResult } from './report-schema';

export interface Machine {
  cpus: string;
  memory: string;
  node: string;
  os: string;
  loadAverage: string;
  date: string;
}

export interface BenchRun {
  script: string;
  name: string;
  /** ok: ran and wrote a valid result; no result: ran but wrote none (or an invalid one); failed: did not finish. */
  status: 'ok' | 'failed' | 'no result';
  detail?: string;
  seconds?: number;
  result?: BenchResult;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  const models = [...new Set(cpus.map((c) => c.model.trim()))].join(', ') || 'unknown model';
  return {
    cpus: `${cpus.length} × ${models}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB (${(os.freemem() / 2 ** 30).toFixed(1)} GiB free at start)`,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    loadAverage: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / '),
    date: new Date().toISOString(),
  };
}

/** The `bench:*` scripts of a package.json, in name order. */
export function benchScripts(root: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  return Object.keys(pkg.scripts ?? {})
    .filter((s) => s.startsWith('bench:'))
    .sort();
}

function runScript(
  root: string,
  script: string,
  timeoutS: number,
): Promise<{ ok: boolean; detail?: string }> {
  return new Promise((resolve) => {
    // Own process group, so a timeout also ends whatever the script started (servers, workers).
    const child = spawn('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit', detached: true });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
      resolve({ ok: false, detail: `timed out after ${timeoutS} s` });
    }, timeoutS * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: err.message });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(
        code === 0
          ? { ok: true }
          : { ok: false, detail: signal ? `killed by ${signal}` : `exit code ${code}` },
      );
    });
  });
}

/** Reads bench/results/<name>.json; a result older than `since` is stale (this run did not write it). */
export function readResult(
  root: string,
  name: string,
  since?: number,
): { result?: BenchResult; problem?: string } {
  const file = path.join(root, RESULTS_DIR, `${name}.json`);
  if (!existsSync(file)) return { problem: `wrote no ${path.join(RESULTS_DIR, `${name}.json`)}` };
  try {
    const result = parseBenchResult(JSON.parse(readFileSync(file, 'utf8')));
    if (since !== undefined && statSync(file).mtimeMs < since) {
      return { result, problem: `result is stale (written ${statSync(file).mtime.toISOString()})` };
    }
    return { result };
  } catch (err) {
    return { problem: `invalid results file: ${(err as Error).message}` };
  }
}

const number = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function figureRow(f: BenchFigure): string {
  const ratio = ratioOf(f);
  return [
    f.label,
    `${number.format(f.value)} ${f.unit}`.trim(),
    f.baseline ? `${f.baseline.label}: ${number.format(f.baseline.value)} ${f.unit}`.trim() : '–',
    ratio === undefined ? '–' : `${number.format(ratio)}×`,
    f.goal === undefined ? '–' : String(f.goal),
  ]
    .map(cell)
    .join(' | ');
}

export function renderReport(machine: Machine, runs: BenchRun[]): string {
  const lines = [
    '# Pulse AI benchmark report',
    '',
    `Written by \`npm run bench\` on ${machine.date}. Ratios compare each figure with a baseline measured in the same run;`,
    'on a shared machine absolute numbers are noisy, ratios less so.',
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPUs | ${cell(machine.cpus)} |`,
    `| Memory | ${machine.memory} |`,
    `| Node | ${machine.node} |`,
    `| OS | ${cell(machine.os)} |`,
    `| Load average at start (1 / 5 / 15 min) | ${machine.loadAverage} |`,
    '',
    '## Summary',
    '',
  ];
  if (runs.length === 0) {
    lines.push('No `bench:*` script exists yet.', '');
    return lines.join('\n');
  }
  lines.push('| Benchmark | Status | Duration | Figures |', '|---|---|---|---|');
  for (const r of runs) {
    const status = r.detail ? `${r.status}: ${r.detail}` : r.status;
    const duration = r.seconds === undefined ? '–' : `${r.seconds.toFixed(1)} s`;
    lines.push(`| \`${r.script}\` | ${cell(status)} | ${duration} | ${r.result?.figures.length ?? 0} |`);
  }
  for (const r of runs) {
    if (!r.result) continue;
    lines.push('', `## ${r.result.name}`, '');
    if (r.result.machine) lines.push(`Setup: ${r.result.machine}`, '');
    if (r.detail) lines.push(`> ${r.detail}`, '');
    lines.push('| Figure | Value | Baseline | Ratio | Goal |', '|---|---|---|---|---|');
    for (const f of r.result.figures) lines.push(`| ${figureRow(f)} |`);
    for (const note of r.result.notes ?? []) lines.push('', `- ${note}`);
  }
  lines.push('');
  return lines.join('\n');
}

export async function runAll(options: {
  root: string;
  only?: string[];
  reportOnly?: boolean;
  timeoutS: number;
}): Promise<{ report: string; runs: BenchRun[] }> {
  const machine = describeMachine();
  const scripts = benchScripts(options.root).filter(
    (s) => !options.only || options.only.includes(s.slice('bench:'.length)),
  );
  const runs: BenchRun[] = [];
  for (const script of scripts) {
    const name = script.slice('bench:'.length);
    if (options.reportOnly) {
      const { result, problem } = readResult(options.root, name);
      runs.push({ script, name, status: result ? 'ok' : 'no result', detail: problem, result });
      continue;
    }
    console.log(`\n▶ npm run ${script}`);
    const started = Date.now();
    const outcome = await runScript(options.root, script, options.timeoutS);
    const seconds = (Date.now() - started) / 1000;
    const { result, problem } = readResult(options.root, name, started);
    const detail = [outcome.detail, problem].filter(Boolean).join('; ') || undefined;
    const status = !outcome.ok ? 'failed' : result && !problem ? 'ok' : 'no result';
    runs.push({ script, name, status, detail, seconds, result });
    console.log(
      `${outcome.ok ? '✓' : '✗'} ${script} (${seconds.toFixed(1)} s)${detail ? `: ${detail}` : ''}`,
    );
  }
  const report = renderReport(machine, runs);
  writeFileSync(path.join(options.root, 'bench', 'REPORT.md'), report);
  return { report, runs };
}

async function main(): Promise<void> {
  const cli = new Command('bench')
    .option('--only <names>', 'comma-separated benchmark names (after bench:)')
    .option('--report-only', 'rewrite bench/REPORT.md from existing results without running anything')
    .option('--timeout <seconds>', 'per benchmark', '1800')
    .option('--root <dir>', 'project root', process.cwd())
    .parse();
  const opts = cli.opts<{ only?: string; reportOnly?: boolean; timeout: string; root: string }>();
  const { runs } = await runAll({
    root: path.resolve(opts.root),
    only: opts.only?.split(',').map((s) => s.trim()),
    reportOnly: opts.reportOnly,
    timeoutS: Number(opts.timeout),
  });
  const reported = runs.filter((r) => r.status === 'ok').length;
  console.log(`\nbench/REPORT.md written: ${reported} of ${runs.length} benchmarks reported.`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
