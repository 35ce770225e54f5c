import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ALARM_GATE_TOPIC, ALARMS_SUBSCRIPTION } from '../../shared/config/schema.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { NotifyTopic } from '../constructs/alarm-actions.ts';
import { AlarmGate } from '../constructs/alarm-gate.ts';
import { ChatChannels } from '../constructs/chat-channels.ts';
import { type DashboardEntry, DashboardIndex } from '../constructs/dashboard-index.ts';
import { EscalationRouter } from '../constructs/escalation-router.ts';
import { FindingsSpill } from '../constructs/findings-spill.ts';
import { FindingsTable } from '../constructs/findings-table.ts';
import type { NetprobeMetricFactory } from '../constructs/metric-factory.ts';
import { OnCallForwarders } from '../constructs/on-call-forwarders.ts';
import { ProbeApi } from '../constructs/probe-api.ts';
import type { ProbeFunction } from '../constructs/probe-function.ts';
import { probeApiFunction } from '../constructs/probe-region.ts';
import { TeamTopics } from '../constructs/team-topics.ts';
import { UndeliveredPages } from '../constructs/undelivered-pages.ts';
import { Watchdog } from '../constructs/watchdog.ts';
import { FUNCTION_ENTRIES, type FunctionEntries } from '../entries.ts';
import { functionEnvironment, monitorsIn, stackEnvironment } from '../environment.ts';
import { FUNCTION_NAMES, HOME_STACK_NAME, homeAlarmName } from '../naming.ts';
import {
  anySubscription,
  CHAT_PROTOCOLS,
  FORWARDER_PROTOCOLS,
  SNS_PROTOCOLS,
  subscriptionsOf,
} from '../subscriptions.ts';
import { teamsOf, watchdogTeam } from '../teams.ts';

export interface HomeStackProps {
  readonly config: NetprobeConfig;
  readonly metrics: NetprobeMetricFactory;
  /** The monitors dashboards (in the monitors stacks) the `netprobe` dashboard lists. */
  readonly dashboards: readonly DashboardEntry[];
  /** @default the handlers under functions/ */
  readonly entries?: FunctionEntries;
}

/**
 * `netprobe-home`, in the home region: where findings meet and turn into pages. The findings table,
 * one topic per team and `netprobe-alarms`, the escalator, the HTTP API, the watchdog and the
 * `netprobe` dashboard index. The monitors' own alarms and dashboards are in MonitorsStack.
 */
export class HomeStack extends Stack {
  readonly table: FindingsTable;
  readonly topics: TeamTopics;
  readonly escalation: EscalationRouter;
  /** Present when a team has Slack or Teams subscriptions. */
  readonly chat?: ChatChannels;
  /** Present when a team has chat, PagerDuty or webhook subscriptions (none for PagerDuty or webhooks: no function). */
  readonly forwarders?: OnCallForwarders;
  /** Present when a monitor has `alarmsPage: true`: the only way its alarms reach its team. */
  readonly alarmGate?: AlarmGate;
  readonly apiFunction: ProbeFunction;
  readonly api: ProbeApi;
  /** Where the HTTP API's probe-api spills findings the table does not take in time. */
  readonly spill: FindingsSpill;
  readonly dashboard: DashboardIndex;
  readonly watchdog: Watchdog;

  constructor(scope: Construct, props: HomeStackProps) {
    const { config } = props;
    const entries = props.entries ?? FUNCTION_ENTRIES;
    super(scope, HOME_STACK_NAME, {
      env: stackEnvironment(config, config.homeRegion),
      description: 'netprobe home: findings table, escalation to team topics, HTTP API, watchdog',
    });
    const environment = functionEnvironment(config, config.homeRegion);

    this.table = new FindingsTable(this, 'Findings');
    const gated = config.monitors.some((monitor) => monitor.alarmsPage);
    this.topics = new TeamTopics(this, 'Teams', {
      teams: teamsOf(config),
      alarmsOnly: [ALARMS_SUBSCRIPTION, ...(gated ? [ALARM_GATE_TOPIC] : [])],
      subscriptions: subscriptionsOf(config.subscriptions, SNS_PROTOCOLS),
    });
    this.escalation = new EscalationRouter(this, 'Escalation', {
      table: this.table,
      topics: this.topics,
      settings: config.lambda.escalator,
      environment,
      entry: entries.escalator,
    });

    // Pages beyond SNS's own protocols (chat channels, forwarders) and the alarm gate's relays, each
    // failure kept and alarmed.
    const chat = subscriptionsOf(config.subscriptions, CHAT_PROTOCOLS);
    const forwarded = subscriptionsOf(config.subscriptions, FORWARDER_PROTOCOLS);
    if (anySubscription(chat) || anySubscription(forwarded) || gated) {
      const undelivered = new UndeliveredPages(this, 'UndeliveredPages', {
        actions: new NotifyTopic(this.topics.topicFor(watchdogTeam(config), 'operatorsTeam')),
      });
      if (gated) {
        this.alarmGate = new AlarmGate(this, 'AlarmGate', {
          topic: this.topics.topicFor(ALARM_GATE_TOPIC),
          topics: this.topics,
          table: this.table,
          entry: entries.alarmGate,
          environment,
          onFailure: undelivered.destination,
        });
      }
      if (anySubscription(chat)) {
        this.chat = new ChatChannels(this, 'Chat', {
          topics: this.topics,
          subscriptions: chat,
          entry: entries.chatForwarder,
          onFailure: undelivered.destination,
        });
      }
      this.forwarders = new OnCallForwarders(this, 'OnCall', {
        topics: this.topics,
        subscriptions: forwarded,
        entries,
        onFailure: undelivered.destination,
      });
    }

    this.apiFunction = probeApiFunction(this, 'ApiFunction', {
      entry: entries.probeApi,
      functionName: FUNCTION_NAMES.httpApi,
      settings: config.lambda.probeApi,
      environment,
      table: this.table,
      metricsNamespace: config.namespace,
    });
    this.api = new ProbeApi(this, 'Api', { handler: this.apiFunction });
    const ownerTeam = watchdogTeam(config);
    const ownerTopic = this.topics.topicFor(ownerTeam, 'operatorsTeam');
    this.spill = new FindingsSpill(this, 'ApiSpill', {
      entry: entries.findingRewriter,
      functionName: FUNCTION_NAMES.apiFindingRewriter,
      environment,
      table: this.table,
      metricsNamespace: config.namespace,
      spillers: { 'probe-api': this.apiFunction },
      alarmName: (what) => homeAlarmName(`api-${what}`),
      actions: new NotifyTopic(ownerTopic),
    });

    this.dashboard = new DashboardIndex(this, 'Dashboard', { dashboards: props.dashboards });
    this.watchdog = new Watchdog(this, 'Watchdog', {
      regions: config.regions.map((region) => ({ region, monitors: monitorsIn(config, region) })),
      metrics: props.metrics,
      topic: ownerTopic,
      ruleTarget: (ruleName, message) => this.topics.ruleTarget(ownerTeam, ruleName, message),
      escalator: this.escalation.function,
      api: this.apiFunction,
      deadLetterQueue: this.escalation.deadLetterQueue,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'HTTP API (IAM auth)' });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.dashboard.dashboard.dashboardName}`,
    });
    new CfnOutput(this, 'TopicArns', {
      value: this.topics.topicArnsJson(),
      description: 'SNS topic per team',
    });
  }
}
