/**
 * Notifier on SNS: one topic per team (TOPIC_ARNS), a readable subject, a JSON message a responder and
 * a machine can both read, and the message attributes `team`, `issueType`, `severity` (and `kind`) that
 * subscription filter policies select on, plus `dedupKey` (also in the body): every copy of the same
 * page or resolve carries the same key, because delivery is at-least-once (docs/escalation.md).
 * Throttling and 5xx are retried by the client's retry strategy (retry.ts), within PUBLISH_BUDGET_MS;
 * anything else throws, and the escalation engine re-sends from its outbox later.
 */
import {
  type MessageAttributeValue,
  PublishCommand,
  type PublishCommandInput,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { DELIVERY_LEASE_MS } from '../domain/escalation.ts';
import { toSubject } from '../domain/incident-notification.ts';
import { NetprobeError } from '../errors.ts';
import {
  dedupKeyOf,
  type NoticeNotifier,
  type Notification,
  type Notifier,
  type VantageNotice,
} from '../ports/notifier.ts';

/** Where the console links point: the home region, where the metrics meet and the dashboard lives. */
export interface ConsoleLinkOptions {
  region: string;
  namespace: string;
  dashboardName: string;
}

export interface ConsoleLinks {
  /** The CloudWatch metrics browser, showing every series of the monitor. */
  metric: string;
  dashboard: string;
}

/** The JSON body of every page and all-clear (SNS Message). */
export interface NotificationMessage {
  kind: Notification['kind'];
  subject: string;
  monitor: string;
  issueType: Notification['issueType'];
  scope: Notification['scope'];
  impact: string;
  team: string;
  severity: Notification['severity'];
  incidentId: string;
  /** `<incidentId>:<kind>`: the same for every copy of this notification (dedupKeyOf). */
  dedupKey: string;
  at: string;
  firstSeen: string;
  locations: { failing: string[]; healthy: string[] };
  errorCodes: Notification['errorCodes'];
  diagnosis: string | null;
  reason?: Notification['reason'];
  supersededBy?: string;
  links: ConsoleLinks;
}

/** The CloudWatch console's own URL encoding of a search: percent-encoding with '*' for '%'. */
function consoleEncode(text: string): string {
  return encodeURIComponent(text).replace(/%/g, '*');
}

export function consoleLinks(monitorId: string, options: ConsoleLinkOptions): ConsoleLinks {
  const home = `https://${options.region}.console.aws.amazon.com/cloudwatch/home?region=${options.region}`;
  const search = `{${options.namespace},Monitor,Probe,Region} Monitor="${monitorId}"`;
  return {
    metric: `${home}#metricsV2?graph=~()&query=~'${consoleEncode(search)}`,
    dashboard: `${home}#dashboards/dashboard/${encodeURIComponent(options.dashboardName)}`,
  };
}

export function notificationMessage(n: Notification, links: ConsoleLinkOptions): NotificationMessage {
  return {
    kind: n.kind,
    subject: n.subject,
    monitor: n.monitorId,
    issueType: n.issueType,
    scope: n.scope,
    impact: n.impact,
    team: n.team,
    severity: n.severity,
    incidentId: n.incidentId,
    dedupKey: dedupKeyOf(n),
    at: n.at,
    firstSeen: n.firstSeen,
    locations: { failing: [...n.locations.failing], healthy: [...n.locations.healthy] },
    errorCodes: [...n.errorCodes],
    diagnosis: n.diagnosis,
    ...(n.reason ? { reason: n.reason } : {}),
    ...(n.supersededBy ? { supersededBy: n.supersededBy } : {}),
    links: consoleLinks(n.monitorId, links),
  };
}

/** A subject SNS accepts (≤ 100 printable ASCII), never empty. */
export function subjectOf(n: Notification): string {
  const subject = toSubject(n.subject.trim());
  return subject.length > 0 ? subject : toSubject(`[${n.kind}] ${n.monitorId}: ${n.issueType}`);
}

function attribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** The exact PublishCommand input for a notification (pure; the client adds retries). */
export function publishInput(
  n: Notification,
  topicArn: string,
  links: ConsoleLinkOptions,
): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Subject: subjectOf(n),
    // Indented: email subscribers read the raw message.
    Message: JSON.stringify(notificationMessage(n, links), null, 2),
    MessageAttributes: {
      team: attribute(n.team),
      issueType: attribute(n.issueType),
      severity: attribute(n.severity),
      kind: attribute(n.kind),
      dedupKey: attribute(dedupKeyOf(n)),
      scope: attribute(n.scope),
    },
  };
}

/**
 * The exact PublishCommand input for a probe region's impaired/recovered notice: the operators' team
 * topic, the notice itself as the body, and `kind`, `team`, `location`, `dedupKey` attributes (no
 * issueType or severity: it is not a page to a target team, and a filter on those never selects it).
 */
export function noticeInput(n: VantageNotice, topicArn: string): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Subject: toSubject(n.subject),
    Message: JSON.stringify(n, null, 2),
    MessageAttributes: {
      kind: attribute(n.kind),
      team: attribute(n.team),
      location: attribute(n.location),
      dedupKey: attribute(n.dedupKey),
    },
  };
}

/** A team with no topic: a config/deployment mismatch no retry can fix. */
export class UnknownTeamError extends NetprobeError {
  override name = 'UnknownTeamError';
  constructor(message: string) {
    super('team_unknown', message);
  }
}

/**
 * How long one publish may keep trying, from its first attempt. A timed-out or dropped Publish is
 * ambiguous (SNS may have accepted it), so every retry may deliver a copy; and once the engine's
 * delivery lease (DELIVERY_LEASE_MS, counted from the claim written just before the publish) has
 * passed, another escalator may send the same entry too. Half the lease leaves the other half for
 * the claim write before and the SDK's own timeouts: no attempt starts once this budget is spent.
 */
export const PUBLISH_BUDGET_MS = DELIVERY_LEASE_MS / 2;

export interface SnsNotifierOptions {
  /** Retries are its own (functions/shared/aws/client-options.ts: TimeBoundRetryStrategy). */
  client: SNSClient;
  /** Team → topic ARN (the escalator's TOPIC_ARNS). */
  topicArns: Readonly<Record<string, string>>;
  links: ConsoleLinkOptions;
  /** @default PUBLISH_BUDGET_MS */
  budgetMs?: number;
}

export class SnsNotifier implements Notifier, NoticeNotifier {
  readonly #options: SnsNotifierOptions;

  constructor(options: SnsNotifierOptions) {
    this.#options = options;
  }

  async publish(notification: Notification): Promise<void> {
    await this.#send(publishInput(notification, this.#topicOf(notification.team), this.#options.links));
  }

  async publishNotice(notice: VantageNotice): Promise<void> {
    await this.#send(noticeInput(notice, this.#topicOf(notice.team)));
  }

  #topicOf(team: string): string {
    const { topicArns } = this.#options;
    const topicArn = topicArns[team];
    if (topicArn === undefined) {
      throw new UnknownTeamError(
        `no SNS topic for team "${team}" (TOPIC_ARNS has: ${Object.keys(topicArns).join(', ') || 'none'})`,
      );
    }
    return topicArn;
  }

  async #send(input: PublishCommandInput): Promise<void> {
    // One signal for every attempt of the client's retry loop: once it fires, the request in flight
    // is cut and no attempt starts.
    const abortSignal = AbortSignal.timeout(this.#options.budgetMs ?? PUBLISH_BUDGET_MS);
    await this.#options.client.send(new PublishCommand(input), { abortSignal });
  }
}
