import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Lock files this process holds, so a reused pid (pid 1 in a restarted container) is not mistaken for a live owner. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process per embedded data directory: two processes (e.g. separate api and worker roles) writing the
 * same index files would silently lose writes. A lock left by a dead process is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static async acquire(path: string): Promise<DataDirLock> {
    await mkdir(dirname(path), { recursive: true });
    if (heldHere.has(path)) throw new Error(`${path} is already open in this process`);
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `${path} is held by process ${owner}: the embedded vector store serves one process only ` +
            '(use Qdrant when api and worker run separately)',
        );
      }
      await writeFile(path, `${process.pid}\n`);
    }
    heldHere.add(path);
    return new DataDirLock(path);
  }

  async release(): Promise<void> {
    heldHere.delete(this.path);
    await rm(this.path, { force: true });
  }
}
