/**
 * The resolved configuration (defaults applied, validated). Users write the looser input form
 * in monitors.config.ts / .json; shared/config/schema.ts turns it into these shapes or fails
 * with errors that name the path (`monitors[3].http.assert.status: expected 100-599`).
 */
import type { EscalationTable } from '../domain/escalation-table.ts';
import type { MaintenanceWindow } from '../domain/maintenance.ts';
import type { LatencyPhase } from '../domain/metrics.ts';
import type { ClassificationRule, ConfirmationRule } from '../domain/policy.ts';
import type { VantageRule } from '../domain/vantage.ts';
import type { ProbeSpec } from '../probes/spec.ts';

export type { ConfirmationRule } from '../domain/policy.ts';

export interface MonitorConfig {
  /** Stable id: [a-z0-9][a-z0-9-]*, used in metrics dimensions, DynamoDB keys and topics. */
  id: string;
  description?: string;
  probe: ProbeSpec;
  /** Minutes between runs, ≥ 1 (input accepts "1m", "5m", "1h"). */
  intervalMinutes: number;
  /** Regions this monitor runs in; defaults to every region of the config. */
  regions: string[];
  /** Fronted by a CDN: non-DNS failures classify as `cdn`. */
  cdn: boolean;
  /** Page this team instead of the table's team for every issue type of this monitor. */
  team?: string;
  /**
   * Send this monitor's availability and latency alarms to its team instead of the `netprobe-alarms`
   * topic. Their windows then last at least the escalation table's time (infra/alarm-policy.ts).
   * Present only when true (input `alarmsPage: true`).
   */
  alarmsPage?: true;
}

/** Delivered by SNS itself to the team's topic. */
export type SnsSubscriptionConfig =
  | { protocol: 'email'; endpoint: string }
  | { protocol: 'https'; endpoint: string }
  | { protocol: 'sqs'; endpoint: string };

/** An AWS Chatbot channel on the team's chat topic (`netprobe-<team>-chat`). */
export type ChatSubscriptionConfig =
  | { protocol: 'slack'; workspaceId: string; channelId: string }
  | { protocol: 'teams'; tenantId: string; teamId: string; channelId: string };

/** A forwarder Lambda on the team's topic; the secrets are Secrets Manager names or ARNs. */
export type ForwarderSubscriptionConfig =
  | { protocol: 'pagerduty'; routingKeySecret: string; eventsUrl: string }
  | { protocol: 'webhook'; url: string; secretName: string };

export type SubscriptionConfig = SnsSubscriptionConfig | ChatSubscriptionConfig | ForwarderSubscriptionConfig;

export interface LambdaSettings {
  memoryMb: number;
  timeoutSeconds: number;
  /** Absent: unreserved. */
  reservedConcurrency?: number;
}

/** Which of the optional CloudWatch series runs publish (docs/metrics.md). */
export interface MetricsConfig {
  /**
   * Phases published as PhaseLatency, in timing order (dns → transfer); [] publishes none. Input
   * `'all'` (the default) gives every phase, `'none'` gives [], a list gives those phases.
   */
  phaseLatency: LatencyPhase[];
}

export interface NetprobeConfig {
  /** Region of the home stack: table, escalator, topics, API, dashboard. */
  homeRegion: string;
  /** Every region a probe stack is deployed to. */
  regions: string[];
  /** AWS account for synth; a placeholder works offline. */
  account: string;
  /** CloudWatch namespace, default "Netprobe". */
  namespace: string;
  /** Added for the PhaseLatency switch; default publishes every metric (docs/metrics.md). */
  metrics: MetricsConfig;
  escalation: EscalationTable;
  confirmation: ConfirmationRule;
  /** When a probe region counts as impaired for a run (docs/escalation.md, "A sick probe region"). */
  vantage: VantageRule;
  /** Gets the impaired/recovered notifications of probe regions; default infrastructure-team. */
  operatorsTeam: string;
  classification: ClassificationRule;
  /** SNS subscriptions per team name; the key `alarms` subscribes to the `netprobe-alarms` topic. */
  subscriptions: Record<string, SubscriptionConfig[]>;
  lambda: {
    probeRunner: LambdaSettings;
    probeApi: LambdaSettings;
    escalator: LambdaSettings;
  };
  /** CIDRs or host names that ad-hoc API probes may reach even though private (SSRF guard). */
  allowPrivateTargets: string[];
  /** Findings expire after this many days (DynamoDB TTL). */
  findingsTtlDays: number;
  /** Max probes in flight in one process. */
  concurrency: number;
  /**
   * Existing dual-stack subnets and security groups per region, for the probe functions there: Lambda
   * reaches IPv6 only from inside a dual-stack VPC. Absent for a region: no VPC, IPv4 only.
   */
  vpc?: Record<string, VpcSettings>;
  /** Windows during which no page goes out (docs/config.md "maintenance"); absent when none. */
  maintenance?: MaintenanceWindow[];
  monitors: MonitorConfig[];
}

/** Ids of existing resources (no lookups at synth): the probe functions' ENIs go there. */
export interface VpcSettings {
  subnetIds: string[];
  securityGroupIds: string[];
}
