/**
 * finding-rewriter: drains the region's spill queue (infra/constructs/findings-spill.ts) into the
 * findings table. Each message holds findings a probe-runner or probe-api could not store in time
 * (shared/adapters/sqs-spill.ts); writing them again is idempotent and also advances their latest
 * status, so a message delivered twice, or spilled after a partial write, changes nothing.
 *
 * Event: an SQS batch (events/sqs/spilled-findings.json). A message whose findings are not all
 * written is returned in `batchItemFailures`: SQS delivers it again after its visibility timeout, and
 * after maxReceiveCount sends it to the dead-letter queue, whose alarm pages the owning team. A
 * message that is not a spill message also goes there (no retry makes it one), for a human to read.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseSpillMessage } from '../../shared/adapters/sqs-spill.ts';
import type { Store } from '../../shared/ports/store.ts';
import { dynamoStore } from '../shared/aws/dynamo.ts';
import { bundledConfig } from '../shared/config.ts';
import { readEnv } from '../shared/env.ts';
import { logInvocation, persistBudget } from '../shared/invocation.ts';
import { type DepsSource, type FunctionRuntime, type HandlerOptions, handlerSetup } from '../shared/lazy.ts';
import type { Logger } from '../shared/logger.ts';

export interface FindingRewriterDeps {
  store: Store;
}

export async function rewrite(
  event: SQSEvent,
  context: Context,
  deps: FindingRewriterDeps,
  logger: Logger,
): Promise<SQSBatchResponse> {
  const { writes } = persistBudget(context);
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  let written = 0;
  for (const record of event.Records) {
    try {
      const findings = parseSpillMessage(record.body);
      await deps.store.putFindings(findings, { signal: writes });
      written += findings.length;
    } catch (error) {
      logger.error('spilled findings not written; SQS delivers them again', {
        messageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        error,
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  logger.info('spilled findings written', {
    messages: event.Records.length,
    findings: written,
    failed: batchItemFailures.length,
  });
  return { batchItemFailures };
}

export function createHandler(source: DepsSource<FindingRewriterDeps>, options: HandlerOptions = {}) {
  const { deps, logger, time } = handlerSetup('finding-rewriter', source, options);
  return (
    middy<SQSEvent, SQSBatchResponse>()
      // Request id and cold-start flag on every line of the invocation (Powertools).
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(time.middleware())
      .use(
        logInvocation<SQSEvent, SQSBatchResponse>(logger, {
          describeEvent: (event) => ({ messages: event.Records?.length }),
          describeResult: (result) => ({ failed: result.batchItemFailures.length }),
        }),
      )
      .handler((event, context) => rewrite(event, context, deps(), logger))
  );
}

/** The Lambda's: from the environment and the bundled config. */
export function defaultDeps(runtime: FunctionRuntime): FindingRewriterDeps {
  const env = readEnv();
  return { store: dynamoStore(env, bundledConfig(), runtime) };
}

export const handler = createHandler(defaultDeps);
