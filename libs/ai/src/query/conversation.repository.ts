import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { batchRoundTrips, ErrorCode } from '@app/common';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/database';
import type { LogicalForm } from '../semantic/parser/logical-form.types';
import { ConversationException } from './conversation.exception';

/** A question answered from the cache, kept unread: reading it costs more than the cached answer itself. */
export interface UnreadQuestion {
  question: string;
  /** The instant it was asked at: its relative dates resolve to the same window when it is read. */
  at: Date;
}

/**
 * A conversation's state: the last answered question's logical form (null when no parse answered it), or that
 * question unread (`unread`, form null) when it was answered from the cache; a follow-up reads it then.
 */
export interface Conversation {
  id: string;
  form: LogicalForm | null;
  unread?: UnreadQuestion;
}

interface StoredConversation {
  tenantId: string;
  form: LogicalForm | null;
  unread?: { question: string; at: string };
}

/**
 * Conversations in Redis under the tenant's key space, expiring CONVERSATION_TTL_S after their last answer.
 * The tenant id is part of the key, so another tenant's conversation id is simply unknown.
 */
@Injectable()
export class ConversationRepository {
  private readonly logger = new Logger(ConversationRepository.name);
  readonly ttlS: number;
  // A new conversation is written with every answer; under load the writes made while one pipeline is out go out
  // as the next, in the order they were made (a later save of the same conversation still lands last).
  private readonly writes = batchRoundTrips<{ key: string; value: string }, void>((items) =>
    this.writeBatch(items),
  );

  constructor(
    config: AppConfig,
    private readonly redis: RedisService,
  ) {
    this.ttlS = config.query.conversationTtlS;
  }

  /** A new conversation, or the tenant's existing one; 404 when unknown or expired. */
  async open(tenantId: string, id: string | undefined): Promise<Conversation> {
    if (!id) return { id: randomUUID(), form: null };
    let raw: string | null;
    try {
      raw = await this.redis.client.get(this.key(tenantId, id));
    } catch (err) {
      throw new ConversationException(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        'The conversation store cannot be reached',
        undefined,
        { cause: err },
      );
    }
    const stored = raw ? (JSON.parse(raw) as StoredConversation) : null;
    if (!stored || stored.tenantId !== tenantId) {
      throw new ConversationException(
        ErrorCode.NOT_FOUND,
        `Conversation ${id} is unknown or expired (conversations last ${this.ttlS} s after their last answer); ` +
          'ask again without conversationId to start a new one',
        { conversationId: id },
      );
    }
    const unread = stored.unread
      ? { question: stored.unread.question, at: new Date(stored.unread.at) }
      : undefined;
    return { id, form: stored.form ? revive(stored.form) : null, ...(unread ? { unread } : {}) };
  }

  /** Keeps the last answered form and restarts the expiry. A failed write only loses the follow-up context. */
  save(tenantId: string, id: string, form: LogicalForm | null): Promise<void> {
    return this.write(tenantId, id, { tenantId, form });
  }

  /** Keeps the last answered question unread (answered from the cache), and restarts the expiry. */
  saveUnread(tenantId: string, id: string, unread: UnreadQuestion): Promise<void> {
    return this.write(tenantId, id, {
      tenantId,
      form: null,
      unread: { question: unread.question, at: unread.at.toISOString() },
    });
  }

  private async write(tenantId: string, id: string, value: StoredConversation): Promise<void> {
    try {
      await this.writes.load({ key: this.key(tenantId, id), value: JSON.stringify(value) });
    } catch (err) {
      this.logger.warn(`Conversation write failed: ${String(err)}`);
    }
  }

  private async writeBatch(items: readonly { key: string; value: string }[]): Promise<(void | Error)[]> {
    const pipeline = this.redis.client.pipeline();
    for (const { key, value } of items) pipeline.set(key, value, 'EX', this.ttlS);
    // Without a connection ioredis may resolve with per-command errors instead of rejecting.
    const results = await pipeline.exec();
    if (!results) return items.map(() => new Error('the conversation store did not answer'));
    return results.map(([err]) => err ?? undefined);
  }

  private key(tenantId: string, id: string): string {
    return this.redis.key('ai', 'conversation', tenantId, id);
  }
}

/** JSON keeps the window's instants as strings; the form holds Dates. */
function revive(form: LogicalForm): LogicalForm {
  const w = form.window as { start: string | Date | null; end: string | Date | null; label: string } | null;
  return {
    ...form,
    window: w
      ? { start: w.start ? new Date(w.start) : null, end: w.end ? new Date(w.end) : null, label: w.label }
      : null,
  };
}
