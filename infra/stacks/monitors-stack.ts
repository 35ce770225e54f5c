import { CfnOutput, Stack } from 'aws-cdk-lib';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ALARM_GATE_TOPIC, ALARMS_SUBSCRIPTION } from '../../shared/config/schema.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { NotifyTopic } from '../constructs/alarm-actions.ts';
import type { NetprobeMetricFactory } from '../constructs/metric-factory.ts';
import { MonitorAlarms } from '../constructs/monitor-alarms.ts';
import { dashboardPages, MonitoringDashboard, type MonitorRow } from '../constructs/monitoring-dashboard.ts';
import { stackEnvironment } from '../environment.ts';
import { CLOUDFORMATION_LIMITS } from '../limits.ts';
import type { TemplateCost } from '../monitor-shards.ts';
import { dashboardName, monitorsStackName, topicName } from '../naming.ts';
import { certificateAlarmTeam } from '../teams.ts';

export interface MonitorsStackProps {
  readonly config: NetprobeConfig;
  /** 1-based shard number: the stack is `netprobe-monitors-<shard>`. */
  readonly shard: number;
  /** The shard's monitors with their dashboard rows, in config order, as dashboardPages() splits them. */
  readonly pages: readonly (readonly MonitorRow[])[];
  readonly metrics: NetprobeMetricFactory;
}

/**
 * What one template may hold, planned with room to spare below CLOUDFORMATION_LIMITS: the byte
 * estimates below are measured averages, and the real template is checked at synth (limits.ts).
 */
export const MONITORS_STACK_BUDGET: TemplateCost = {
  resources: CLOUDFORMATION_LIMITS.resources - 50,
  bytes: CLOUDFORMATION_LIMITS.templateBytes * 0.9,
};
/** Compact template bytes of one alarm beyond its metrics, and per metric it reads. */
const ALARM_BYTES = { base: 1_200, perMetric: 260 };
/** A dashboard body is a JSON string inside the template: quotes escaped, region references joined in. */
const DASHBOARD_BYTES_PER_ROW_BYTE = 1;

/**
 * `netprobe-monitors-<n>`, in the home region: the alarms and the dashboards of one shard of the
 * monitors (infra/monitor-shards.ts), so that no template outgrows CloudFormation's limits however
 * many monitors there are. The alarms notify the home stack's topics, found by their fixed names
 * (`netprobe-alarms`, the alarm gate's `netprobe-alarm-gate` for alarmsPage, the certificate's team);
 * the dashboards are pages `netprobe-<n>-<page>` within CloudWatch's dashboard limits.
 */
export class MonitorsStack extends Stack {
  /** What a shard of rows costs a template: its alarms and dashboard pages, as MonitorsStack builds them. */
  static costOf(rows: readonly MonitorRow[]): TemplateCost {
    let resources = dashboardPages(rows).length;
    let bytes = 0;
    for (const row of rows) {
      const alarms = MonitorAlarms.countFor(row.monitor);
      resources += alarms;
      bytes += alarms * (ALARM_BYTES.base + ALARM_BYTES.perMetric * row.monitor.regions.length);
      bytes += row.bytes * DASHBOARD_BYTES_PER_ROW_BYTE;
    }
    return { resources, bytes };
  }

  readonly alarms: MonitorAlarms[];
  readonly dashboards: MonitoringDashboard[];

  constructor(scope: Construct, props: MonitorsStackProps) {
    const { config, shard, pages, metrics } = props;
    const rows = pages.flat();
    super(scope, monitorsStackName(shard), {
      env: stackEnvironment(config, config.homeRegion),
      description: `netprobe monitors, shard ${shard}: alarms and dashboards of ${rows.length} monitor(s)`,
      suppressTemplateIndentation: true,
    });

    const topics = new Map<string, ITopic>();
    const notify = (team: string) => {
      let topic = topics.get(team);
      if (!topic) {
        topic = Topic.fromTopicArn(
          this,
          `Topic-${team}`,
          this.formatArn({ service: 'sns', resource: topicName(team) }),
        );
        topics.set(team, topic);
      }
      return new NotifyTopic(topic);
    };
    // An alarm that pages (alarmsPage) never notifies its team's topic itself: it notifies the alarm
    // gate's, and the gate relays it unless a maintenance window or silence covers the monitor.
    this.alarms = rows.map(
      ({ monitor }) =>
        new MonitorAlarms(this, `Alarms-${monitor.id}`, {
          monitor,
          metrics,
          confirmation: config.confirmation,
          ...(monitor.alarmsPage
            ? { actions: notify(ALARM_GATE_TOPIC), paging: config }
            : { actions: notify(ALARMS_SUBSCRIPTION) }),
          certificateActions: notify(certificateAlarmTeam(monitor, config.escalation)),
        }),
    );

    this.dashboards = pages.map((page, index) => {
      const name = dashboardName(shard, index + 1);
      const dashboard = new MonitoringDashboard(this, `Dashboard${index + 1}`, {
        dashboardName: name,
        rows: page,
        metrics,
      });
      new CfnOutput(this, `DashboardUrl${index + 1}`, {
        value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${name}`,
      });
      return dashboard;
    });
  }
}
