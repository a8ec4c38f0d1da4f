import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Third-party test corpora live beside the repository (`../shared/corpora`), never inside it, so their
 * licences stay with them. PULSE_CORPORA_DIR overrides the location.
 */
export function corporaDir(): string {
  const repoRoot = path.resolve(__dirname, '../../../../..');
  const dir = process.env.PULSE_CORPORA_DIR ?? path.resolve(repoRoot, '../shared/corpora');
  if (!existsSync(dir)) {
    throw new Error(`Test corpora not found at ${dir}; set PULSE_CORPORA_DIR to the shared corpora folder`);
  }
  return dir;
}
