/**
 * `subscriptions` entries: who a team's pages reach. SNS delivers `email`, `https` and `sqs` itself;
 * `slack` and `teams` are AWS Chatbot channels on the team's chat topic; `pagerduty` and `webhook`
 * are forwarder Lambdas (docs/integrations.md). Credentials are never in the config: a PagerDuty
 * routing key or a webhook signing secret is named by its Secrets Manager secret.
 */
import * as z from 'zod';
import { check } from './issues.ts';
import { httpUrlError } from './validate.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
/** Secrets Manager: a name (1-512 of these characters) or the secret's ARN. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
/** What a PagerDuty integration (routing) key looks like: the key itself pasted where its secret's name goes. */
const ROUTING_KEY_ITSELF = /^[0-9a-f]{32}$/;
/** Slack: workspace (team) ids start with T, channel ids with C or G; Chatbot's patterns. */
const SLACK_WORKSPACE = /^[0-9A-Z]{1,255}$/;
const SLACK_CHANNEL = /^[A-Za-z0-9]{1,255}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A Teams channel id as the channel link shows it, `19:…@thread.tacv2`, or URL-encoded as Chatbot stores it. */
const TEAMS_CHANNEL = /^19(:|%3[aA])[A-Za-z0-9_=+/.,-]+(@|%40)thread\.[a-z0-9]+$/;

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

function secretRefError(text: string): string | undefined {
  if (ROUTING_KEY_ITSELF.test(text)) {
    return 'this looks like a PagerDuty routing key itself: put the key in Secrets Manager and give the secret name or ARN';
  }
  if (SECRET_ARN.test(text) || (!text.startsWith('arn:') && SECRET_NAME.test(text))) return undefined;
  return `expected a Secrets Manager secret name (1-512 of A-Z a-z 0-9 / _ + = . @ -) or secret ARN, got ${JSON.stringify(text)}`;
}

/**
 * An https:// URL; plain http:// only to a loopback address, for local test servers (the
 * end-to-end run points the forwarders there). Pages leave the account signed but not encrypted
 * otherwise.
 */
function forwardUrlError(text: string): string | undefined {
  const error = httpUrlError(text);
  if (error) return error;
  const url = new URL(text);
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\./.test(url.hostname);
  if (url.protocol === 'http:' && !loopback)
    return 'expected an https:// URL (http:// only to a loopback address)';
  return undefined;
}

const secretRef = z.string().superRefine(check(secretRefError));
const forwardUrl = z.string().superRefine(check(forwardUrlError));

export const subscriptionSchema = z.discriminatedUnion('protocol', [
  z.strictObject({
    protocol: z.literal('email'),
    endpoint: z.string().regex(EMAIL, { error: 'expected an email address' }),
  }),
  z.strictObject({
    protocol: z.literal('https'),
    endpoint: z
      .string()
      .superRefine(check(httpUrlError))
      .refine((url) => url.startsWith('https:'), { error: 'expected an https:// URL' }),
  }),
  z.strictObject({
    protocol: z.literal('sqs'),
    endpoint: z
      .string()
      .regex(SQS_ARN, { error: 'expected an SQS queue ARN (arn:aws:sqs:region:account:name)' }),
  }),
  z.strictObject({
    protocol: z.literal('slack'),
    workspaceId: z
      .string()
      .regex(SLACK_WORKSPACE, { error: 'expected a Slack workspace id such as T0123ABCD' }),
    channelId: z.string().regex(SLACK_CHANNEL, { error: 'expected a Slack channel id such as C0123ABCD' }),
  }),
  z.strictObject({
    protocol: z.literal('teams'),
    tenantId: z.string().regex(UUID, { error: 'expected the Microsoft Entra tenant id (a UUID)' }),
    teamId: z.string().regex(UUID, { error: 'expected the Microsoft Teams team id (a UUID)' }),
    channelId: z
      .string()
      .regex(TEAMS_CHANNEL, { error: 'expected a Teams channel id such as 19:abc…@thread.tacv2' }),
  }),
  z.strictObject({
    protocol: z.literal('pagerduty'),
    routingKeySecret: secretRef,
    eventsUrl: forwardUrl.default(PAGERDUTY_EVENTS_URL),
  }),
  z.strictObject({
    protocol: z.literal('webhook'),
    url: forwardUrl,
    secretName: secretRef,
  }),
]);
