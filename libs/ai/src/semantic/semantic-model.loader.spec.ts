import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppConfig } from '@app/config';
import {
  DEFAULT_SEMANTIC_MODEL_PATH,
  loadSemanticModel,
  parseSemanticModel,
  resolveSemanticModelPath,
} from './semantic-model.loader';
import { SemanticModelService } from './semantic-model.service';
import { SemanticException } from './semantic.exception';

const ENV = {
  DATABASE_URL: 'postgresql://root@127.0.0.1:5432/x',
  ADMIN_TOKEN: 'a'.repeat(20),
  INTEGRATION_SECRET_KEY: 'ab'.repeat(32),
};

describe('semantic model loading', () => {
  const repoFile = resolveSemanticModelPath();
  const text = readFileSync(repoFile, 'utf8');
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'semantic-model-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the repository model by default and describes the three business tables and the open insights', () => {
    expect(repoFile.endsWith(DEFAULT_SEMANTIC_MODEL_PATH)).toBe(true);
    const service = new SemanticModelService(new AppConfig(ENV));
    expect(Object.keys(service.catalog.tables).sort()).toEqual([
      'deployments',
      'open_insights',
      'pull_requests',
      'work_items',
    ]);
    for (const t of Object.values(service.catalog.tables)) expect(t.tenantColumn).toBe('tenant_id');
    expect(service.catalog.tables.pull_requests.columns).toEqual(
      expect.arrayContaining(['work_item_keys', 'merged_at', 'reviewers', 'additions', 'deletions']),
    );
    expect(service.version).toMatch(/^2026\.11\.1\+[0-9a-f]{16}$/);
  });

  it('loads SEMANTIC_MODEL_PATH, and the version changes with the file', () => {
    const file = path.join(dir, 'model.yaml');
    writeFileSync(file, text);
    const same = new SemanticModelService(new AppConfig({ ...ENV, SEMANTIC_MODEL_PATH: file }));
    expect(same.path).toBe(file);
    expect(same.version).toBe(loadSemanticModel().version);

    writeFileSync(file, text.replace('  - Throughput per week\n', '  - Throughput per month\n'));
    const changed = new SemanticModelService(new AppConfig({ ...ENV, SEMANTIC_MODEL_PATH: file }));
    expect(changed.version).not.toBe(same.version);
    expect(changed.model.examples).toContain('Throughput per month');
  });

  it('resolves a relative path from the working directory upwards', () => {
    expect(resolveSemanticModelPath('libs/ai/semantic-model.yaml')).toBe(repoFile);
  });

  it('names SEMANTIC_MODEL_PATH when the file is missing', () => {
    expect(() => resolveSemanticModelPath(path.join(dir, 'nope.yaml'))).toThrow(/SEMANTIC_MODEL_PATH/);
    expect(() => resolveSemanticModelPath('no/such/model.yaml')).toThrow(SemanticException);
  });

  it('refuses a model that references a column its table does not have, naming where', () => {
    const broken = text.replace('    end: resolved_at\n', '    end: solved_at\n');
    expect(() => parseSemanticModel(broken)).toThrow(/measures\.cycle_time: solved_at is not a column/);
  });

  it('refuses a duration to the next row that names a column the table does not have', () => {
    const broken = text.replace(
      '        same: [service, environment]\n',
      '        same: [service, region]\n',
    );
    expect(() => parseSemanticModel(broken)).toThrow(/measures\.time_to_restore: region is not a column/);
  });

  it('refuses unknown keys, missing sections and bad YAML', () => {
    expect(() => parseSemanticModel(text.replace('weekStart: monday', 'weekStart: sunday'))).toThrow(
      /weekStart/,
    );
    expect(() => parseSemanticModel(`${text}\nsurprise: true\n`)).toThrow(/surprise/);
    expect(() => parseSemanticModel('version: "1"\n')).toThrow(/entities/);
    expect(() => parseSemanticModel('version: [unclosed')).toThrow(/invalid YAML/);
  });

  it('refuses a rule about a measure that does not exist', () => {
    const broken = text.replace('    measures: [cycle_time]\n', '    measures: [cycle_tiem]\n');
    expect(() => parseSemanticModel(broken)).toThrow(/unknown measure cycle_tiem/);
  });
});
