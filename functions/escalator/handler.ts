/**
 * escalator: the escalation engine (shared/domain/escalation.ts) between the findings table and the
 * team topics. Two triggers (infra/constructs/escalation-router.ts):
 *   - the table's DynamoDB stream (NEW_IMAGE): a batch of new FINDING# items re-evaluates the monitors
 *     they belong to, so an incident opens as soon as a confirming finding lands;
 *   - an EventBridge schedule every minute (`"source": "aws.events"`): engine.tick(), for what only time
 *     reveals (an incident that has now lasted its table time) and for re-sending failed notifications.
 *
 * Stream batches report partial failures: the records of a monitor whose evaluation threw are returned
 * in `batchItemFailures` (retried, then dead-lettered); records that are not findings, or cannot be
 * read at all, are logged and skipped, because no retry would make them readable and they must never
 * hold up the shard. The engine reads each monitor's whole recent history, so retried, duplicated or
 * reordered records change nothing.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { readStreamRecord } from '../../shared/adapters/dynamodb-stream.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { type EngineReport, EscalationEngine } from '../../shared/domain/escalation.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import { NetprobeError } from '../../shared/errors.ts';
import { type Clock, systemClock } from '../../shared/ports/clock.ts';
import type { NoticeNotifier, Notifier } from '../../shared/ports/notifier.ts';
import type { Store } from '../../shared/ports/store.ts';
import { dynamoStore } from '../shared/aws/dynamo.ts';
import { snsNotifier } from '../shared/aws/sns.ts';
import { bundledConfig } from '../shared/config.ts';
import { emitCount, OPERATIONAL_METRICS } from '../shared/emf.ts';
import { readEnv, readTopicArns } from '../shared/env.ts';
import { logInvocation } from '../shared/invocation.ts';
import { type DepsSource, type FunctionRuntime, type HandlerOptions, handlerSetup } from '../shared/lazy.ts';
import type { Logger } from '../shared/logger.ts';

export interface EscalatorDeps {
  config: NetprobeConfig;
  store: Store;
  notifier: Notifier;
  /** Where a probe region's impaired/recovered notices go (the operators' team topic). */
  notices?: NoticeNotifier;
  clock?: Clock;
}

/** What a tick did, in counts and ids (the full report is in the log). */
export interface TickSummary {
  transitions: EngineReport['transitions'];
  published: { kind: string; team: string; monitorId: string; incidentId: string }[];
  failed: EngineReport['failed'];
  contended: string[];
  /** Monitors whose step of the tick threw; the others were still processed (EscalatorTickFailures). */
  errors: EngineReport['errors'];
}

export class EscalatorEventError extends NetprobeError {
  override name = 'EscalatorEventError';
  constructor(message: string) {
    super('escalator_event_invalid', message);
  }
}

type EscalatorEvent = DynamoDBStreamEvent | { source?: string; 'detail-type'?: string };

function isStream(event: unknown): event is DynamoDBStreamEvent {
  return Array.isArray((event as DynamoDBStreamEvent | null)?.Records);
}

function isSchedule(event: unknown): boolean {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  return e?.source === 'aws.events' || e?.['detail-type'] === 'Scheduled Event';
}

function summarize(report: EngineReport): TickSummary {
  return {
    transitions: report.transitions,
    published: report.published.map((n) => ({
      kind: n.kind,
      team: n.team,
      monitorId: n.monitorId,
      incidentId: n.incidentId,
    })),
    failed: report.failed,
    contended: report.contended,
    errors: report.errors,
  };
}

function logReport(logger: Logger, report: EngineReport): void {
  for (const t of report.transitions) logger.info(`incident ${t.kind}`, { ...t });
  for (const n of report.published) {
    logger.info('notification published', {
      kind: n.kind,
      team: n.team,
      incidentId: n.incidentId,
      subject: n.subject,
    });
  }
  for (const f of report.failed) logger.error('notification not published (kept for redelivery)', { ...f });
  if (report.ignored.length > 0) logger.warn('ignored', { ignored: report.ignored });
  if (report.contended.length > 0)
    logger.warn('contended: another escalator is moving these', { monitors: report.contended });
  for (const e of report.errors) logger.error('tick step failed; the next tick retries it', { ...e });
}

async function onStream(
  event: DynamoDBStreamEvent,
  engine: EscalationEngine,
  logger: Logger,
): Promise<DynamoDBBatchResponse> {
  const byMonitor = new Map<string, { findings: Finding[]; sequenceNumbers: string[] }>();
  let skipped = 0;
  for (const record of event.Records) {
    const read = readStreamRecord(record);
    if ('skip' in read) {
      skipped++;
      logger.warn('stream record skipped', { eventID: record.eventID, reason: read.skip });
      continue;
    }
    const group = byMonitor.get(read.finding.monitorId) ?? { findings: [], sequenceNumbers: [] };
    group.findings.push(read.finding);
    if (record.dynamodb?.SequenceNumber) group.sequenceNumbers.push(record.dynamodb.SequenceNumber);
    byMonitor.set(read.finding.monitorId, group);
  }

  const batchItemFailures: DynamoDBBatchResponse['batchItemFailures'] = [];
  // One monitor at a time, each on its own: a failure (the store throttled, say) fails only its records.
  for (const [monitorId, group] of byMonitor) {
    try {
      logReport(logger, await engine.processFindings(group.findings));
    } catch (error) {
      logger.error('monitor not evaluated; its records will be retried', { monitorId, error });
      for (const itemIdentifier of group.sequenceNumbers) batchItemFailures.push({ itemIdentifier });
    }
  }
  logger.info('stream batch', {
    records: event.Records.length,
    monitors: byMonitor.size,
    skipped,
    failed: batchItemFailures.length,
  });
  return { batchItemFailures };
}

/**
 * How long a container reuses a run not decided yet as read from the run index: a stream batch
 * evaluates its monitors one by one, and a busy container takes a batch every few hundred ms, so the
 * sick-region rule reads a live run a few times a minute per container, not once per monitor
 * (docs/escalation.md, "What it costs").
 */
export const VANTAGE_REFRESH_MS = 5_000;

/**
 * One engine per container (per deps object): what it caches of the sick-region rule (decided runs,
 * which never change; live runs for VANTAGE_REFRESH_MS; the state until a run is due) outlives the
 * invocation. Everything else it decides from the store at every call.
 */
const engines = new WeakMap<EscalatorDeps, EscalationEngine>();

function engineFor(deps: EscalatorDeps): EscalationEngine {
  let engine = engines.get(deps);
  if (!engine) {
    engine = new EscalationEngine({
      store: deps.store,
      notifier: deps.notifier,
      ...(deps.notices ? { notices: deps.notices } : {}),
      clock: deps.clock ?? systemClock,
      config: deps.config,
      vantageRefreshMs: VANTAGE_REFRESH_MS,
    });
    engines.set(deps, engine);
  }
  return engine;
}

export async function escalate(
  event: unknown,
  deps: EscalatorDeps,
  logger: Logger,
): Promise<DynamoDBBatchResponse | TickSummary> {
  const engine = engineFor(deps);
  if (isStream(event)) return onStream(event, engine, logger);
  if (isSchedule(event)) {
    const report = await engine.tick();
    logReport(logger, report);
    emitCount(
      logger,
      { namespace: deps.config.namespace, functionName: 'escalator' },
      OPERATIONAL_METRICS.tickFailures,
      report.errors.length,
      'escalator tick',
      { monitors: deps.config.monitors.length },
    );
    return summarize(report);
  }
  throw new EscalatorEventError(
    'not a DynamoDB stream batch (Records[]) nor a scheduled event (source "aws.events"); see events/dynamodb-stream/ and events/eventbridge/escalator-tick.json',
  );
}

export function createHandler(source: DepsSource<EscalatorDeps>, options: HandlerOptions = {}) {
  const { deps, logger, time } = handlerSetup('escalator', source, options);
  return (
    middy<EscalatorEvent, DynamoDBBatchResponse | TickSummary>()
      // Request id and cold-start flag on every line of the invocation (Powertools).
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(time.middleware())
      .use(
        logInvocation<EscalatorEvent, DynamoDBBatchResponse | TickSummary>(logger, {
          describeEvent: (event) =>
            isStream(event)
              ? { trigger: 'stream', records: event.Records.length }
              : {
                  trigger: isSchedule(event) ? 'schedule' : 'unknown',
                  time: (event as { time?: string }).time,
                },
        }),
      )
      .handler((event) => escalate(event, deps(), logger))
  );
}

/** The Lambda's: from the environment and the bundled config. */
export function defaultDeps(runtime: FunctionRuntime): EscalatorDeps {
  const env = readEnv();
  const config = bundledConfig();
  const notifier = snsNotifier(env, readTopicArns(), runtime);
  return { config, store: dynamoStore(env, config, runtime), notifier, notices: notifier };
}

export const handler = createHandler(defaultDeps);
