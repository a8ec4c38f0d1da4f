import { Injectable } from '@nestjs/common';
import { request } from 'undici';
import { AppConfig } from '@app/config';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature';

export interface WebhookTarget {
  url: string;
  secret: string;
}

export class WebhookDeliveryError extends Error {}

/**
 * The one way out for webhook HTTP: every outbound delivery goes through send(), so an egress policy (refusing
 * private addresses) has exactly one place to sit. Signs the JSON body, bounds the time, and treats anything but
 * a 2xx as a failure for the queue to retry.
 */
@Injectable()
export class WebhookSender {
  constructor(private readonly config: AppConfig) {}

  async send(target: WebhookTarget, deliveryId: string, payload: unknown): Promise<{ status: number }> {
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const timeoutMs = this.config.insights.webhook.timeoutMs;
    const res = await request(target.url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'pulse-ai-insights/1',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(target.secret, timestamp, body),
        [DELIVERY_HEADER]: deliveryId,
      },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      maxRedirections: 0,
    });
    // The body is not needed, but must be consumed to free the connection.
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new WebhookDeliveryError(`Webhook answered ${res.statusCode}`);
    }
    return { status: res.statusCode };
  }
}
