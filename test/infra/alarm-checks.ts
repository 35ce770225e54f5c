/**
 * The paging policy read back from synthesized templates (infra/alarm-policy.ts): which topics each
 * alarm notifies, its window, and the monitor alarms that would page a team before the table time.
 * Works on template JSON, so the 10,000-monitor test can read the files CDK wrote.
 */
import { pagingWindow } from '../../infra/alarm-policy.ts';
import type { MonitorConfig, NetprobeConfig } from '../../shared/config/types.ts';
import type { MonitorAlarmKind } from '../../shared/naming.ts';
import { joined } from './helpers.ts';

export interface TemplateJson {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export interface AlarmProperties {
  AlarmName: string;
  AlarmActions?: unknown[];
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  Period?: number;
  Metrics?: { Expression?: string; MetricStat?: { Period: number } }[];
}

function resources(templates: readonly TemplateJson[], type: string): [string, Record<string, unknown>][] {
  return templates.flatMap((t) =>
    Object.entries(t.Resources ?? {})
      .filter(([, resource]) => resource.Type === type)
      .map(([id, resource]): [string, Record<string, unknown>] => [id, resource.Properties ?? {}]),
  );
}

/** Every CloudWatch alarm of these templates, with the names of the topics its ALARM actions notify. */
export function alarmsWithTopics(
  templates: readonly TemplateJson[],
): { alarm: AlarmProperties; topics: string[] }[] {
  const topicNames = new Map(
    resources(templates, 'AWS::SNS::Topic').map(([id, p]) => [id, p.TopicName as string]),
  );
  return resources(templates, 'AWS::CloudWatch::Alarm').map(([, p]) => {
    const alarm = p as unknown as AlarmProperties;
    // A Ref to a topic of the same stack, or the ARN a monitors stack builds from the topic's name.
    const topics = (alarm.AlarmActions ?? []).map((action) => {
      const ref = (action as { Ref?: string }).Ref;
      return ref === undefined ? (joined(action).split(':').at(-1) ?? '?') : (topicNames.get(ref) ?? '?');
    });
    return { alarm, topics };
  });
}

export function windowMinutes(alarm: AlarmProperties): number {
  const period = alarm.Period ?? alarm.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Period ?? 0;
  return (alarm.EvaluationPeriods * period) / 60;
}

const MONITOR_ALARM = /^netprobe-(.+)-(availability|latency-(\w+))$/;

/** The monitor alarm an alarm name stands for, or undefined for certificate and watchdog alarms. */
function monitorAlarmOf(
  monitors: ReadonlyMap<string, MonitorConfig>,
  name: string,
): { monitor: MonitorConfig; kind: MonitorAlarmKind } | undefined {
  const [, id = '', what, phase] = MONITOR_ALARM.exec(name) ?? [];
  const monitor = monitors.get(id);
  if (!monitor || !what) return undefined;
  return { monitor, kind: phase ? { kind: 'latency', phase: phase as 'total' } : { kind: 'availability' } };
}

/**
 * What the policy forbids: a monitor alarm (availability, latency) that notifies a team topic with a
 * window shorter than the table time, or that fires on fewer datapoints than its window. Certificate
 * and watchdog alarms keep their own rules.
 */
export function earlyPages(templates: readonly TemplateJson[], config: NetprobeConfig): string[] {
  const monitors = new Map(config.monitors.map((monitor) => [monitor.id, monitor]));
  return alarmsWithTopics(templates).flatMap(({ alarm, topics }) => {
    // netprobe-alarms pages nobody; netprobe-alarm-gate relays to the monitor's team, so it counts.
    const teams = topics.filter((topic) => topic !== 'netprobe-alarms');
    const governed = monitorAlarmOf(monitors, alarm.AlarmName);
    if (teams.length === 0 || !governed) return [];
    const required = pagingWindow(governed.monitor, governed.kind, config).minutes;
    const window = windowMinutes(alarm);
    const consecutive = (alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods) === alarm.EvaluationPeriods;
    return window >= required && consecutive
      ? []
      : [`${alarm.AlarmName} → ${teams.join(', ')}: ${window} min < ${required} min`];
  });
}
