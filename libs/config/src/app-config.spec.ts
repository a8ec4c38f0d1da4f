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
});
