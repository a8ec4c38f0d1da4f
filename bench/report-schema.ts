/**
 * The contract between benchmarks and the report: every `npm run bench:<name>` writes
 * `bench/results/<name>.json` in this shape, and `npm run bench` (bench/run-all.ts) turns them into bench/REPORT.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const benchFigureSchema = z.object({
  /** What was measured, e.g. "query p95 (simple route)". */
  label: z.string().min(1),
  value: z.number().finite(),
  /** e.g. "ms", "texts/s", "req/s", "MB", "recall@10". */
  unit: z.string(),
  /** The same measurement of the thing being improved on, taken in the same run. */
  baseline: z.object({ label: z.string().min(1), value: z.number().finite() }).optional(),
  /** value / baseline.value unless given (give it when lower is better and you report baseline / value). */
  ratio: z.number().finite().optional(),
  /** The target, in words or as a number in the figure's unit, e.g. "≥ 2× baseline" or 50. */
  goal: z.union([z.string(), z.number()]).optional(),
});

export const benchResultSchema = z.object({
  /** The script's name after `bench:`; also the file name. */
  name: z.string().min(1),
  /** Free text when the benchmark knows more than the runner (e.g. "Qdrant 1.16.3 on 127.0.0.1"). */
  machine: z.string().optional(),
  figures: z.array(benchFigureSchema).min(1),
  /** Caveats a reader needs, e.g. "machine shared with other jobs". */
  notes: z.array(z.string()).optional(),
});

export type BenchFigure = z.infer<typeof benchFigureSchema>;
export type BenchResult = z.infer<typeof benchResultSchema>;

export const RESULTS_DIR = path.join('bench', 'results');

/** Validates a parsed results file; the error names the offending field. */
export function parseBenchResult(json: unknown): BenchResult {
  const parsed = benchResultSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}

/** The ratio the report shows: the given one, else value / baseline. */
export function ratioOf(figure: BenchFigure): number | undefined {
  if (figure.ratio !== undefined) return figure.ratio;
  if (!figure.baseline || figure.baseline.value === 0) return undefined;
  return figure.value / figure.baseline.value;
}

/** For benchmark authors: validates and writes bench/results/<name>.json (relative to `root`); returns its path. */
export function writeBenchResult(result: BenchResult, root = process.cwd()): string {
  const valid = parseBenchResult(result);
  const dir = path.join(root, RESULTS_DIR);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${valid.name}.json`);
  writeFileSync(file, `${JSON.stringify(valid, null, 2)}\n`);
  return file;
}
