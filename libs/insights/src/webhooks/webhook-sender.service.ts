import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { EgressGuard } from '@app/egress';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature';

export interface WebhookTarget {
  url: string;
  secret: string;
}

export class WebhookDeliveryError extends Error {}

/**
 * The one way out for webhook HTTP: every delivery goes through the EgressGuard (private and metadata addresses
 * refused at connect time, no redirects, bounded response). Signs the JSON body, bounds the time, and treats
 * anything but a 2xx as a failure for the queue to retry.
 */
@Injectable()
export class WebhookSenderService {
  constructor(
    private readonly config: AppConfig,
    private readonly egress: EgressGuard,
  ) {}

  async send(target: WebhookTarget, deliveryId: string, payload: unknown): Promise<{ status: number }> {
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await this.egress.fetch(target.url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'pulse-ai-insights/1',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(target.secret, timestamp, body),
        [DELIVERY_HEADER]: deliveryId,
      },
      signal: AbortSignal.timeout(this.config.insights.webhook.timeoutMs),
    });
    if (res.status < 200 || res.status >= 300) {
      throw new WebhookDeliveryError(`Webhook answered ${res.status}`);
    }
    return { status: res.status };
  }
}
