/**
 * What the HTTP forwarders (PagerDuty, webhook) share: a team topic's SNS event in, one signed or
 * keyed POST per message out, retried by shared/integrations/delivery.ts within the invocation's
 * remaining time. Each forwarder only says how a topic message becomes its request.
 *
 * A message that is not a page or an alarm is logged and skipped. A delivery that fails throws, so
 * Lambda's asynchronous retries and its dead-letter queue take over (infra/constructs/
 * on-call-forwarders.ts); the receiving side deduplicates by the incident id or `dedupKey`.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SNSEvent } from 'aws-lambda';
import { type DeliveryOptions, deliver, type OutboundRequest } from '../../shared/integrations/delivery.ts';
import { readTopicMessage, type TopicMessage } from '../../shared/integrations/topic-message.ts';
import { type Clock, systemClock } from '../../shared/ports/clock.ts';
import { secretFromEnv } from './aws/secrets.ts';
import { readForwarderEnv } from './env.ts';
import { logInvocation } from './invocation.ts';
import { type DepsSource, type FunctionRuntime, type HandlerOptions, handlerSetup } from './lazy.ts';

export interface ForwarderDeps {
  /** Where to POST (the subscription's eventsUrl / url). */
  url: string;
  /** The routing key or signing secret (Secrets Manager, cached). */
  secret: () => Promise<string>;
  fetch?: DeliveryOptions['fetch'];
  sleep?: DeliveryOptions['sleep'];
  clock?: Clock;
}

export interface RequestInput {
  message: TopicMessage;
  /** The SNS Message exactly as the topic carried it. */
  raw: string;
  secret: string;
  url: string;
  now: Date;
}

/** The request for one topic message, or why there is none. */
export type BuildRequest = (input: RequestInput) => OutboundRequest | { skip: string };

export interface ForwardSummary {
  delivered: { messageId: string; status: number; attempts: number }[];
  skipped: { messageId: string; reason: string }[];
}

/** Kept back from the invocation's remaining time, to log and return before Lambda's timeout. */
export const FORWARD_RESERVE_MS = 1_000;

function remainingMs(context: Context): () => number {
  return () =>
    (typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 60_000) -
    FORWARD_RESERVE_MS;
}

/** The Lambda's: TARGET_URL, and the secret SECRET_ID names. */
export function defaultForwarderDeps(runtime: FunctionRuntime): ForwarderDeps {
  const env = readForwarderEnv();
  return { url: env.url, secret: secretFromEnv(env.secretId, runtime) };
}

export function createForwarder(
  name: string,
  build: BuildRequest,
  source: DepsSource<ForwarderDeps>,
  options: HandlerOptions = {},
) {
  const { deps, logger, time } = handlerSetup(name, source, options);
  return middy<SNSEvent, ForwardSummary>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(time.middleware())
    .use(
      logInvocation<SNSEvent, ForwardSummary>(logger, {
        describeEvent: (event) => ({
          records: event.Records?.length ?? 0,
          messageIds: event.Records?.map((r) => r.Sns?.MessageId),
        }),
        describeResult: (summary) => ({
          delivered: summary.delivered.length,
          skipped: summary.skipped.length,
        }),
      }),
    )
    .handler(async (event, context) => {
      const { url, secret, fetch, sleep, clock = systemClock } = deps();
      const summary: ForwardSummary = { delivered: [], skipped: [] };
      for (const record of event.Records ?? []) {
        const messageId = record.Sns?.MessageId ?? '';
        const raw = record.Sns?.Message ?? '';
        const message = readTopicMessage(raw);
        const request = build({ message, raw, secret: await secret(), url, now: clock.now() });
        if ('skip' in request) {
          logger.warn('message skipped', { messageId, reason: request.skip });
          summary.skipped.push({ messageId, reason: request.skip });
          continue;
        }
        const delivered = await deliver(request, {
          remainingMs: remainingMs(context),
          ...(fetch ? { fetch } : {}),
          ...(sleep ? { sleep } : {}),
          onRetry: (retry) => logger.warn('delivery retry', { messageId, ...retry }),
        });
        logger.info('delivered', {
          messageId,
          status: delivered.status,
          attempts: delivered.attempts,
          ...(message.type === 'page' ? { dedupKey: message.page.dedupKey } : {}),
        });
        summary.delivered.push({ messageId, status: delivered.status, attempts: delivered.attempts });
      }
      return summary;
    });
}
