import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { corporaDir } from './corpora';

export interface AttackPayloads {
  /** Unique payload lines, in first-seen order. */
  payloads: string[];
  /** Source file (relative to sql-attacks/) → lines read from it. */
  sources: Record<string, number>;
  totalLines: number;
}

const LICENCE_FILES = new Set(['LICENSE', '_copyright.txt']);

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? listFiles(full) : [full];
    });
}

/** Lines of ```sql fenced blocks: the payloads the Markdown cheat sheets give. */
function sqlBlockLines(markdown: string): string[] {
  const out: string[] = [];
  let inSql = false;
  for (const line of markdown.split('\n')) {
    const fence = /^\s*```(\w*)/.exec(line);
    if (fence) {
      inSql = !inSql && fence[1].toLowerCase() === 'sql';
      continue;
    }
    if (inSql) out.push(line);
  }
  return out;
}

/**
 * Every payload line of the injection corpora in ../shared/corpora/sql-attacks (PayloadsAllTheThings,
 * MIT; fuzzdb, BSD-3-Clause / CC BY 3.0): the raw payload lists line by line, plus the ```sql blocks of
 * the cheat sheets. Read in place; nothing is copied into this repository.
 */
export function loadAttackPayloads(): AttackPayloads {
  const root = path.join(corporaDir(), 'sql-attacks');
  const seen = new Set<string>();
  const payloads: string[] = [];
  const sources: Record<string, number> = {};
  let totalLines = 0;
  for (const file of listFiles(root)) {
    const name = path.basename(file);
    if (LICENCE_FILES.has(name)) continue;
    const text = readFileSync(file, 'utf8');
    const lines = (file.endsWith('.md') ? sqlBlockLines(text) : text.split('\n'))
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim() !== '');
    if (!lines.length) continue;
    sources[path.relative(root, file)] = lines.length;
    totalLines += lines.length;
    for (const line of lines) {
      if (seen.has(line)) continue;
      seen.add(line);
      payloads.push(line);
    }
  }
  return { payloads, sources, totalLines };
}
