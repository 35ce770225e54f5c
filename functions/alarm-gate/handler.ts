/**
 * alarm-gate: the only way a monitor's own alarm pages a team (`alarmsPage: true`; docs/deploy.md,
 * "The alarm gate"). The rules are the engine's (shared/engine/alarm-gate.ts); this handler only
 * tells its two triggers apart (infra/constructs/alarm-gate.ts):
 *   - the `netprobe-alarm-gate` topic's SNS event: each CloudWatch notification is relayed to the
 *     monitor's team topic, or held while a maintenance window or silence covers the monitor
 *     (counted as AlarmsHeld, EMF);
 *   - an EventBridge schedule every minute (`"source": "aws.events"`): tick(), which pages the held
 *     alarms whose window has ended and that are still in ALARM, once.
 *
 * A notification it cannot read, or of an alarm that does not page, is logged and never relayed. A
 * relay SNS refused fails the invocation, so Lambda retries it (the ledger makes a retried ALARM a
 * repeat at most, with the same dedupKey). Any other event is logged and ignored.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import { AlarmGate, type GateOutcome, type GateTickReport } from '../../shared/engine/alarm-gate.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { cloudWatchAlarmStates } from '../shared/aws/cloudwatch.ts';
import { dynamoAlarmLedger, dynamoStore } from '../shared/aws/dynamo.ts';
import { snsAlarmRelay } from '../shared/aws/sns.ts';
import { bundledConfig } from '../shared/config.ts';
import { emitCount, OPERATIONAL_METRICS } from '../shared/emf.ts';
import { readEnv, readTopicArns } from '../shared/env.ts';
import { logInvocation } from '../shared/invocation.ts';
import { type DepsSource, type FunctionRuntime, type HandlerOptions, handlerSetup } from '../shared/lazy.ts';
import type { Logger } from '../shared/logger.ts';

export interface AlarmGateHandlerDeps {
  gate: AlarmGate;
  /** Where the AlarmsHeld count goes (METRICS_NAMESPACE). */
  namespace: string;
}

export type AlarmGateSummary =
  | { trigger: 'notifications'; outcomes: Omit<GateOutcome, 'problems'>[] }
  | { trigger: 'tick'; held: number; released: string[]; cleared: string[] }
  | { trigger: 'unknown'; ignored: string };

const FUNCTION_NAME = 'alarm-gate';

function isSns(event: unknown): event is SNSEvent {
  const records = (event as SNSEvent | null)?.Records;
  return Array.isArray(records) && records.every((record) => record?.EventSource === 'aws:sns');
}

function isSchedule(event: unknown): boolean {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return e?.source === 'aws.events' || e?.['detail-type'] === 'Scheduled Event';
}

function logProblems(logger: Logger, report: { problems: GateOutcome['problems'] }): void {
  for (const problem of report.problems)
    logger.error('alarm gate step failed; it failed safe', { ...problem });
}

async function onNotifications(event: SNSEvent, deps: AlarmGateHandlerDeps, logger: Logger) {
  const outcomes: Omit<GateOutcome, 'problems'>[] = [];
  const failures: unknown[] = [];
  for (const record of event.Records) {
    const messageId = record.Sns?.MessageId;
    try {
      const { problems, ...outcome } = await deps.gate.onNotification({
        subject: record.Sns?.Subject ?? '',
        message: record.Sns?.Message ?? '',
      });
      logProblems(logger, { problems });
      const level = outcome.action === 'ignored' ? 'warn' : 'info';
      logger[level](`alarm notification ${outcome.action}`, { messageId, ...outcome });
      outcomes.push(outcome);
    } catch (error) {
      logger.error('alarm notification not relayed; Lambda retries the invocation', { messageId, error });
      failures.push(error);
    }
  }
  const held = outcomes.filter((outcome) => outcome.action === 'held');
  emitCount(
    logger,
    { namespace: deps.namespace, functionName: FUNCTION_NAME },
    OPERATIONAL_METRICS.alarmsHeld,
    held.length,
    held.length > 0 ? 'alarms held by a maintenance window or silence' : 'no alarm held',
    { held: held.map((outcome) => ('alarmName' in outcome ? outcome.alarmName : '')) },
    false,
  );
  if (failures.length > 0) throw failures[0];
  return { trigger: 'notifications' as const, outcomes };
}

async function onTick(deps: AlarmGateHandlerDeps, logger: Logger) {
  const report: GateTickReport = await deps.gate.tick();
  logProblems(logger, report);
  for (const alarmName of report.released)
    logger.info('held alarm paged: its window ended in ALARM', { alarmName });
  if (report.cleared.length > 0)
    logger.info('held alarms no longer in ALARM, forgotten', { cleared: report.cleared });
  return { trigger: 'tick' as const, held: report.held, released: report.released, cleared: report.cleared };
}

export async function gateAlarms(
  event: unknown,
  deps: AlarmGateHandlerDeps,
  logger: Logger,
): Promise<AlarmGateSummary> {
  if (isSns(event)) return onNotifications(event, deps, logger);
  if (isSchedule(event)) return onTick(deps, logger);
  const ignored =
    'neither an SNS event (Records[].EventSource "aws:sns") nor a scheduled event (source "aws.events")';
  logger.warn('event ignored', { reason: ignored });
  return { trigger: 'unknown', ignored };
}

export function createHandler(source: DepsSource<AlarmGateHandlerDeps>, options: HandlerOptions = {}) {
  const { deps, logger, time } = handlerSetup(FUNCTION_NAME, source, options);
  return middy<unknown, AlarmGateSummary>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(time.middleware())
    .use(
      logInvocation<unknown, AlarmGateSummary>(logger, {
        describeEvent: (event) =>
          isSns(event)
            ? { trigger: 'sns', messageIds: event.Records.map((r) => r.Sns?.MessageId) }
            : { trigger: isSchedule(event) ? 'schedule' : 'unknown' },
        describeResult: (summary) => ({ trigger: summary.trigger }),
      }),
    )
    .handler((event) => gateAlarms(event, deps(), logger));
}

/** The Lambda's: from the environment and the bundled config. */
export function defaultDeps(runtime: FunctionRuntime): AlarmGateHandlerDeps {
  const env = readEnv();
  const config = bundledConfig();
  const gate = new AlarmGate({
    config,
    store: dynamoStore(env, config, runtime),
    ledger: dynamoAlarmLedger(env, runtime),
    relay: snsAlarmRelay(env, readTopicArns(), runtime),
    states: cloudWatchAlarmStates(env, runtime),
    clock: systemClock,
  });
  return { gate, namespace: env.metricsNamespace };
}

export const handler = createHandler(defaultDeps);
