/**
 * The lab's pages: what the escalation engine would send if the lab's failures went on. The timeline
 * to replay, and a notifier that keeps every page and all-clear exactly as the escalator's SNS
 * notifier would publish it (publishInput: the team's topic ARN, subject, message attributes, JSON
 * message with console links), so the demo prints the real message rather than a summary of it.
 */
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { noticeInput, publishInput } from '../adapters/sns-notifier.ts';
import type { MonitorConfig, NetprobeConfig } from '../config/types.ts';
import type { Finding } from '../domain/finding.ts';
import { isPagingFailure } from '../domain/route.ts';
import { DASHBOARD_NAME, topicName } from '../naming.ts';
import type { NoticeNotifier, Notification, Notifier, VantageNotice } from '../ports/notifier.ts';

const MINUTE_MS = 60_000;

/** The longest time in the escalation table: the last page of a persisting failure comes by then. */
export function longestTableMinutes(config: Pick<NetprobeConfig, 'escalation'>): number {
  return Math.max(...Object.values(config.escalation).map((rule) => rule.escalateAfterMinutes));
}

/**
 * "These failures, again at every interval": each paging failure repeated at its monitor's interval,
 * the real finding first, up to the first run at or after the longest table time (when its page is
 * due at the latest); and the monitors it covers. Monitors with no paging failure are left out: one
 * that stays up (or only warns about a certificate) gives the engine nothing to do, and each one left
 * out saves the embedded DynamoDB three requests per simulated minute.
 */
export function persistedFailures(
  findings: readonly Finding[],
  config: Pick<NetprobeConfig, 'escalation' | 'monitors'>,
): { timeline: Finding[]; monitors: MonitorConfig[] } {
  const failing = findings.filter(isPagingFailure);
  const ids = new Set(failing.map((f) => f.monitorId));
  const monitors = config.monitors.filter((m) => ids.has(m.id));
  const interval = new Map(monitors.map((m) => [m.id, m.intervalMinutes]));
  const longest = longestTableMinutes(config);
  const timeline = failing.flatMap((f) => {
    const every = interval.get(f.monitorId) ?? 1;
    const start = Date.parse(f.startedAt);
    return Array.from({ length: Math.ceil(longest / every) + 1 }, (_, k) => ({
      ...f,
      startedAt: new Date(start + k * every * MINUTE_MS).toISOString(),
    }));
  });
  return { timeline, monitors };
}

/** One page or all-clear, and the SNS Publish request the escalator would send for it. */
export interface LabPage {
  notification: Notification;
  publish: PublishCommandInput;
}

/** A probe region's impaired/recovered notice, and the SNS Publish request the escalator would send for it. */
export interface LabNotice {
  notice: VantageNotice;
  publish: PublishCommandInput;
}

/**
 * A Notifier that publishes nowhere: it keeps each notification (and each probe region's notice) with
 * its SNS request, in order.
 */
export class SnsShapedPages implements Notifier, NoticeNotifier {
  readonly pages: LabPage[] = [];
  readonly notices: LabNotice[] = [];
  readonly #config: Pick<NetprobeConfig, 'homeRegion' | 'account' | 'namespace'>;

  constructor(config: Pick<NetprobeConfig, 'homeRegion' | 'account' | 'namespace'>) {
    this.#config = config;
  }

  async publish(notification: Notification): Promise<void> {
    const { homeRegion, namespace } = this.#config;
    const topicArn = this.#topicArn(notification.team);
    const links = { region: homeRegion, namespace, dashboardName: DASHBOARD_NAME };
    this.pages.push({ notification, publish: publishInput(notification, topicArn, links) });
  }

  async publishNotice(notice: VantageNotice): Promise<void> {
    this.notices.push({ notice, publish: noticeInput(notice, this.#topicArn(notice.team)) });
  }

  /** The topic the home stack creates for the team (infra/constructs/team-topics.ts). */
  #topicArn(team: string): string {
    const { homeRegion, account } = this.#config;
    return `arn:aws:sns:${homeRegion}:${account}:${topicName(team)}`;
  }
}
