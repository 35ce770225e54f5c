/**
 * Signed webhooks (docs/integrations.md#webhook): the topic's message as the body, as SNS carried
 * it, with `X-Netprobe-Timestamp` (Unix seconds) and `X-Netprobe-Signature: sha256=<hex>` where the
 * hex is HMAC-SHA256(secret, timestamp + "." + body). The receiver recomputes it over the raw body,
 * compares in constant time, and refuses timestamps far from its clock (replays).
 */
import { createHmac } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Netprobe-Timestamp';
export const SIGNATURE_HEADER = 'X-Netprobe-Signature';

export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

export function webhookHeaders(secret: string, body: string, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: webhookSignature(secret, timestamp, body),
  };
}
