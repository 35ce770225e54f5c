import type { SubscriptionConfig } from '../shared/config/types.ts';

type Protocol = SubscriptionConfig['protocol'];
export type SubscriptionsOf<P extends Protocol> = Record<
  string,
  Extract<SubscriptionConfig, { protocol: P }>[]
>;

/**
 * The config's `subscriptions` of some protocols only, per team (every team kept, so a team with no
 * topic is still refused by name): SNS delivers email/https/sqs itself (TeamTopics), Chatbot the chat
 * channels (ChatChannels), and the forwarders PagerDuty and webhooks (OnCallForwarders).
 */
export function subscriptionsOf<P extends Protocol>(
  all: Readonly<Record<string, readonly SubscriptionConfig[]>>,
  protocols: readonly P[],
): SubscriptionsOf<P> {
  const wanted = new Set<Protocol>(protocols);
  const picked: SubscriptionsOf<P> = {};
  for (const [team, subscriptions] of Object.entries(all)) {
    const mine = subscriptions.filter((s): s is Extract<SubscriptionConfig, { protocol: P }> =>
      wanted.has(s.protocol),
    );
    picked[team] = mine;
  }
  return picked;
}

/** Whether any team has one of these subscriptions. */
export function anySubscription(subscriptions: Readonly<Record<string, readonly unknown[]>>): boolean {
  return Object.values(subscriptions).some((list) => list.length > 0);
}

export const SNS_PROTOCOLS = ['email', 'https', 'sqs'] as const;
export const CHAT_PROTOCOLS = ['slack', 'teams'] as const;
export const FORWARDER_PROTOCOLS = ['pagerduty', 'webhook'] as const;
