/**
 * pagerduty-forwarder: subscribed to a team topic (one function per `pagerduty` subscription), it
 * sends each page to PagerDuty's Events API v2 as a `trigger` and each resolve as a `resolve`, both
 * with `dedup_key` = the incident id (shared/integrations/pagerduty.ts). The routing key is read from
 * Secrets Manager (SECRET_ID); the endpoint is TARGET_URL (the subscription's `eventsUrl`).
 * Wire format: docs/integrations.md#pagerduty.
 */
import { pagerDutyEvent } from '../../shared/integrations/pagerduty.ts';
import {
  type BuildRequest,
  createForwarder,
  defaultForwarderDeps,
  type ForwarderDeps,
} from '../shared/forwarder.ts';
import type { DepsSource, HandlerOptions } from '../shared/lazy.ts';

export const pagerDutyRequest: BuildRequest = ({ message, secret, url }) => {
  const event = pagerDutyEvent(message, secret);
  if (!event) {
    return {
      skip: message.type === 'other' ? message.reason : 'alarm state INSUFFICIENT_DATA is not an event',
    };
  }
  return { url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
};

export function createHandler(source: DepsSource<ForwarderDeps>, options: HandlerOptions = {}) {
  return createForwarder('pagerduty-forwarder', pagerDutyRequest, source, options);
}

export const handler = createHandler(defaultForwarderDeps);
