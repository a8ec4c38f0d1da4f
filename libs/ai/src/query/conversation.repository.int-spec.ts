import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import { parserKit } from '../semantic/testing/parser-kit';
import { ConversationRepository } from './conversation.repository';

describe('ConversationRepository (Redis)', () => {
  const config = new AppConfig({
    ...process.env,
    REDIS_PREFIX: `${process.env.REDIS_PREFIX}-${randomUUID()}`,
  });
  const redis = new RedisService(config);
  const conversations = new ConversationRepository(config, redis);
  const { read } = parserKit({});
  const at = new Date('2026-11-25T15:30:00.000Z');

  beforeAll(async () => {
    if (redis.client.status !== 'ready') await new Promise((r) => redis.client.once('ready', r));
  });
  afterAll(() => redis.onModuleDestroy());
  afterEach(() => jest.restoreAllMocks());

  it('keeps every conversation written in the same turn, sent as one pipeline', async () => {
    const tenant = randomUUID();
    const ids = Array.from({ length: 30 }, () => randomUUID());
    const pipeline = jest.spyOn(redis.client, 'pipeline');

    await Promise.all(
      ids.map((id, i) => conversations.saveUnread(tenant, id, { question: `question ${i}`, at })),
    );

    expect(pipeline).toHaveBeenCalledTimes(1);
    for (const [i, id] of ids.entries()) {
      expect(await conversations.open(tenant, id)).toEqual({
        id,
        form: null,
        unread: { question: `question ${i}`, at },
      });
    }
    const ttl = await redis.client.ttl(redis.key('ai', 'conversation', tenant, ids[0]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(conversations.ttlS);
  });

  it('a later save of the same conversation lands last, in the same turn or the next', async () => {
    const tenant = randomUUID();
    const [sameTurn, nextTurn] = [randomUUID(), randomUUID()];
    const form = read('how many bugs were created last week');

    await Promise.all([
      conversations.saveUnread(tenant, sameTurn, { question: 'how many bugs', at }),
      conversations.save(tenant, sameTurn, form),
    ]);
    const early = conversations.saveUnread(tenant, nextTurn, { question: 'how many bugs', at });
    await new Promise((r) => setImmediate(r));
    await Promise.all([early, conversations.save(tenant, nextTurn, form)]);

    for (const id of [sameTurn, nextTurn]) {
      const opened = await conversations.open(tenant, id);
      expect(opened.unread).toBeUndefined();
      expect(opened.form).toEqual(form);
    }
  });

  it("another tenant's conversation id is unknown to the caller", async () => {
    const id = randomUUID();
    await conversations.saveUnread(randomUUID(), id, { question: 'how many bugs', at });
    await expect(conversations.open(randomUUID(), id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('a write while Redis is unreachable only loses the follow-up context: the caller gets no error', async () => {
    const down = new RedisService(new AppConfig({ ...process.env, REDIS_URL: 'redis://127.0.0.1:1' }));
    const unreachable = new ConversationRepository(config, down);
    try {
      await expect(
        Promise.all([
          unreachable.saveUnread(randomUUID(), randomUUID(), { question: 'how many bugs', at }),
          unreachable.saveUnread(randomUUID(), randomUUID(), { question: 'how many bugs', at }),
        ]),
      ).resolves.toEqual([undefined, undefined]);
    } finally {
      await down.onModuleDestroy();
    }
  });
});
