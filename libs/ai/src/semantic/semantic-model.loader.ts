import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ErrorCode } from '@app/common';
import { semanticModelSchema, type SemanticModel } from './semantic-model.schema';
import { SemanticException } from './semantic.exception';

/** Repo-relative location of the model shipped with the code. */
export const DEFAULT_SEMANTIC_MODEL_PATH = 'libs/ai/semantic-model.yaml';

/**
 * Bumped when the planner or compiler would turn the same model into different SQL, so cached answers keyed by
 * the model version are invalidated by code changes too.
 */
export const SEMANTIC_COMPILER_REVISION = '1';

/** Structurally identical to the SQL guard's catalog: the tables and columns generated SQL may read. */
export interface SemanticCatalog {
  tables: Record<string, { columns: string[]; tenantColumn?: string }>;
}

export interface LoadedSemanticModel {
  model: SemanticModel;
  /** Changes whenever the file's bytes (or the compiler revision) change. */
  version: string;
  path: string;
}

function walkUp(start: string, relative: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Absolute paths are used as given; relative ones are looked up from the working directory upwards, then from
 * this file's directory upwards (so `dist/` builds and jest runs from any folder find the repo file).
 */
export function resolveSemanticModelPath(configured?: string): string {
  const wanted = configured ?? DEFAULT_SEMANTIC_MODEL_PATH;
  if (path.isAbsolute(wanted)) {
    if (existsSync(wanted)) return wanted;
  } else {
    const found = walkUp(process.cwd(), wanted) ?? walkUp(__dirname, wanted);
    if (found) return found;
  }
  throw new SemanticException(
    ErrorCode.INTERNAL_ERROR,
    `Semantic model not found: ${wanted} (set SEMANTIC_MODEL_PATH to the YAML file)`,
  );
}

export function parseSemanticModel(text: string, source = 'semantic model'): LoadedSemanticModel {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new SemanticException(
      ErrorCode.INTERNAL_ERROR,
      `${source}: invalid YAML: ${String(err)}`,
      undefined,
      {
        cause: err,
      },
    );
  }
  const parsed = semanticModelSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new SemanticException(ErrorCode.INTERNAL_ERROR, `${source} is invalid:\n${lines.join('\n')}`);
  }
  const hash = createHash('sha256')
    .update(SEMANTIC_COMPILER_REVISION)
    .update('\0')
    .update(text)
    .digest('hex');
  return { model: parsed.data, version: `${parsed.data.version}+${hash.slice(0, 16)}`, path: source };
}

export function loadSemanticModel(configured?: string): LoadedSemanticModel {
  const file = resolveSemanticModelPath(configured);
  const loaded = parseSemanticModel(readFileSync(file, 'utf8'), file);
  return { ...loaded, path: file };
}

export function semanticCatalog(model: SemanticModel): SemanticCatalog {
  const tables: SemanticCatalog['tables'] = {};
  for (const e of Object.values(model.entities)) {
    tables[e.table] = { columns: [...e.columns], tenantColumn: e.tenantColumn };
  }
  return { tables };
}
