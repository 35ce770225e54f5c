/**
 * AWS Chatbot custom notifications (docs/integrations.md#slack-and-microsoft-teams): a page or a
 * resolve as Chatbot renders it in Slack and Teams, with `threadId` = the incident id so the resolve
 * threads under its page. CloudWatch alarm notifications go to the chat topic as they are: Chatbot
 * formats those itself. Text is Markdown (`client-markdown`), which Chatbot renders for each client.
 */
import type { NotificationMessage } from '../adapters/sns-notifier.ts';
import { truncate } from './topic-message.ts';

/** Chatbot's limits (custom-notifs guide). */
export const CHATBOT_LIMITS = { title: 250, description: 8_000, nextStep: 350, keyword: 75 } as const;

export interface ChatbotNotification {
  version: '1.0';
  source: 'custom';
  id: string;
  content: {
    textType: 'client-markdown';
    title: string;
    description: string;
    nextSteps: string[];
    keywords: string[];
  };
  metadata: {
    threadId: string;
    summary: string;
    eventType: string;
    relatedResources: string[];
    additionalContext: Record<string, string>;
    enableCustomActions: false;
  };
}

function regions(list: readonly string[]): string {
  return list.length > 0 ? list.join(', ') : 'none';
}

function description(page: NotificationMessage): string {
  const lines =
    page.kind === 'escalate'
      ? [
          `**${page.severity}** ${page.issueType} incident on \`${page.monitor}\` (${page.impact})`,
          `**Scope:** ${page.scope}, **failing in:** ${regions(page.locations.failing)}`,
          `**Healthy in:** ${regions(page.locations.healthy)}`,
          `**Since:** ${page.firstSeen}`,
          ...(page.errorCodes.length > 0 ? [`**Errors:** ${page.errorCodes.join(', ')}`] : []),
        ]
      : [
          `**resolved** ${page.issueType} incident on \`${page.monitor}\` is over (${page.reason ?? 'recovered'}${page.supersededBy ? `, now ${page.supersededBy}` : ''})`,
          `**Started:** ${page.firstSeen}`,
          `**Still failing in:** ${regions(page.locations.failing)}`,
        ];
  if (page.diagnosis) lines.push('', `**Diagnosis:** ${page.diagnosis}`);
  lines.push('', `Incident \`${page.incidentId}\`, team ${page.team}`);
  return truncate(lines.join('\n'), CHATBOT_LIMITS.description);
}

export function chatbotNotification(page: NotificationMessage): ChatbotNotification {
  const keywords = [page.severity, page.issueType, page.scope, page.team, page.kind];
  return {
    version: '1.0',
    source: 'custom',
    id: page.dedupKey,
    content: {
      textType: 'client-markdown',
      title: truncate(page.subject, CHATBOT_LIMITS.title),
      description: description(page),
      nextSteps: [
        `Open the [netprobe dashboard](${page.links.dashboard})`,
        `Browse the [metrics of ${page.monitor}](${page.links.metric})`,
      ].map((step) => truncate(step, CHATBOT_LIMITS.nextStep)),
      keywords: keywords.map((k) => truncate(k, CHATBOT_LIMITS.keyword)),
    },
    metadata: {
      threadId: page.incidentId,
      summary: truncate(page.subject, CHATBOT_LIMITS.title),
      eventType: page.kind === 'escalate' ? 'netprobe.page' : 'netprobe.resolve',
      relatedResources: [page.monitor],
      additionalContext: {
        team: page.team,
        issueType: page.issueType,
        severity: page.severity,
        scope: page.scope,
        dedupKey: page.dedupKey,
      },
      enableCustomActions: false,
    },
  };
}
