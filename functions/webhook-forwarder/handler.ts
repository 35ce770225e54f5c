/**
 * webhook-forwarder: subscribed to a team topic (one function per `webhook` subscription), it POSTs
 * each page, resolve or alarm notification to TARGET_URL as the JSON the topic carried, signed with
 * the secret named by SECRET_ID (shared/integrations/webhook.ts). Wire format:
 * docs/integrations.md#webhook.
 */
import { webhookHeaders } from '../../shared/integrations/webhook.ts';
import {
  type BuildRequest,
  createForwarder,
  defaultForwarderDeps,
  type ForwarderDeps,
} from '../shared/forwarder.ts';
import type { DepsSource, HandlerOptions } from '../shared/lazy.ts';

export const webhookRequest: BuildRequest = ({ message, raw, secret, url, now }) => {
  if (message.type === 'other') return { skip: message.reason };
  return { url, headers: webhookHeaders(secret, raw, now), body: raw };
};

export function createHandler(source: DepsSource<ForwarderDeps>, options: HandlerOptions = {}) {
  return createForwarder('webhook-forwarder', webhookRequest, source, options);
}

export const handler = createHandler(defaultForwarderDeps);
