import { AppConfig, ConfigValidationError } from './app-config';

const valid = {
  DATABASE_URL: 'postgresql://root@127.0.0.1:5432/x',
  ADMIN_TOKEN: 'a'.repeat(20),
  INTEGRATION_SECRET_KEY: 'ab'.repeat(32),
};

describe('AppConfig', () => {
  it('applies defaults', () => {
    const c = new AppConfig(valid);
    expect(c.server.role).toBe('all');
    expect(c.vector.store).toBe('embedded');
    expect(c.embedding.provider).toBe('bundled');
  });

  it('names the missing variable', () => {
    expect(() => new AppConfig({ ...valid, ADMIN_TOKEN: undefined })).toThrow(/ADMIN_TOKEN/);
  });

  it('requires QDRANT_URL only when qdrant is chosen', () => {
    expect(() => new AppConfig({ ...valid, VECTOR_STORE: 'qdrant' })).toThrow(/QDRANT_URL is required/);
    expect(new AppConfig({ ...valid, QDRANT_URL: 'http://127.0.0.1:6333' }).vector.store).toBe('qdrant');
  });

  it('rejects a secret key that is not 32 bytes', () => {
    expect(() => new AppConfig({ ...valid, INTEGRATION_SECRET_KEY: 'short' })).toThrow(ConfigValidationError);
  });

  it('rejects an unknown process role', () => {
    expect(() => new AppConfig({ ...valid, PROCESS_ROLE: 'both' })).toThrow(/PROCESS_ROLE/);
  });

  it('reads INSIGHTS_HOLIDAYS as dates and ranges, and names it when an entry is not one', () => {
    const c = new AppConfig({ ...valid, INSIGHTS_HOLIDAYS: '2026-12-25, 2026-12-31..2027-01-01' });
    expect(c.insights.holidays).toEqual(['2026-12-25', '2026-12-31..2027-01-01']);
    for (const bad of ['25/12/2026', '2026-12-26..2026-12-24', '2026-13-01', '2026-12-24..'])
      expect(() => new AppConfig({ ...valid, INSIGHTS_HOLIDAYS: bad })).toThrow(/INSIGHTS_HOLIDAYS/);
  });
});
