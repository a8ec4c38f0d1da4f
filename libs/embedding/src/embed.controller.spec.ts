import { ConfigModule } from '@app/config';
import { ValidationPipe } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { EmbeddingModule } from './embedding.module';
import { EmbeddingService } from './embedding.service';

// The module as the app wires it (default `bundled` provider, real model), behind the same validation
// options as the app's global pipe.
describe('POST /v1/ai/embed', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ConfigModule, EmbeddingModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    // The model loads in the background; a load failure here is reported as such, not as a failed request.
    await app.get(EmbeddingService).whenReady();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  const post = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/v1/ai/embed', payload: payload as object });

  it('answers 200 with the model id, its dimensions and one unit vector per text, in order', async () => {
    const texts = ['Checkout fails after deploy', 'Sprint velocity report', 'Checkout fails after deploy'];

    const res = await post({ texts });

    expect({ status: res.statusCode, body: res.statusCode === 200 ? 'ok' : res.body }).toEqual({
      status: 200,
      body: 'ok',
    });
    const body = res.json<{ model: string; dimensions: number; embeddings: number[][] }>();
    expect(body.model).toBe('use-lite-512-v2');
    expect(body.dimensions).toBe(512);
    expect(body.embeddings).toHaveLength(3);
    for (const v of body.embeddings) {
      expect(v).toHaveLength(512);
      expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    }
    expect(body.embeddings[2]).toEqual(body.embeddings[0]);
    expect(body.embeddings[1]).not.toEqual(body.embeddings[0]);
    expect(app.get(EmbeddingService).isReady()).toBe(true);
  });

  it.each([
    ['an empty list', { texts: [] }],
    ['257 texts', { texts: Array.from({ length: 257 }, (_, i) => `text ${i}`) }],
    ['an empty string', { texts: ['fine', ''] }],
    ['a blank string', { texts: ['   \n'] }],
    ['a number', { texts: ['fine', 42] }],
    ['a text over 100k characters', { texts: ['a'.repeat(100_001)] }],
    ['no texts field', {}],
    ['texts as a string', { texts: 'not a list' }],
    ['an unknown field', { texts: ['fine'], model: 'other' }],
  ])('answers 400 for %s', async (_case, payload) => {
    const res = await post(payload);

    expect(res.statusCode).toBe(400);
  });

  it('accepts exactly 256 texts', async () => {
    const res = await post({ texts: Array.from({ length: 256 }, (_, i) => `pull request ${i} merged`) });

    expect(res.statusCode).toBe(200);
    expect(res.json<{ embeddings: unknown[] }>().embeddings).toHaveLength(256);
  });
});
