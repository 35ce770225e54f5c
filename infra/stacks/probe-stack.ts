import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import { FindingsSpill } from '../constructs/findings-spill.ts';
import { FindingsTable } from '../constructs/findings-table.ts';
import { ProbeRegion } from '../constructs/probe-region.ts';
import { assertIpv6Reachable } from '../constructs/probe-vpc.ts';
import { RunnerHealth } from '../constructs/runner-health.ts';
import { FUNCTION_ENTRIES, type FunctionEntries } from '../entries.ts';
import { functionEnvironment, monitorsIn, stackEnvironment } from '../environment.ts';
import { FUNCTION_NAMES, probeStackName, regionAlarmName } from '../naming.ts';
import { checkRunnerConcurrency } from '../runner-concurrency.ts';

export interface ProbeStackProps {
  readonly config: NetprobeConfig;
  readonly region: string;
  /** @default the handlers under functions/ */
  readonly entries?: FunctionEntries;
}

/** `netprobe-probe-<region>`: the probes of one region, their spill queue and their own alarms. */
export class ProbeStack extends Stack {
  readonly probes: ProbeRegion;
  readonly spill: FindingsSpill;
  readonly health: RunnerHealth;

  constructor(scope: Construct, props: ProbeStackProps) {
    const { config, region } = props;
    super(scope, probeStackName(region), {
      env: stackEnvironment(config, region),
      description: `netprobe probes in ${region}: probe-runner on schedules, probe-api on demand`,
    });
    const monitors = monitorsIn(config, region);
    assertIpv6Reachable(config, region, monitors);
    checkRunnerConcurrency(this.stackName, config, region);
    const vpc = config.vpc?.[region];
    this.probes = new ProbeRegion(this, 'Probes', {
      monitors,
      runner: config.lambda.probeRunner,
      api: config.lambda.probeApi,
      environment: functionEnvironment(config, region),
      table: FindingsTable.reference(this, config.homeRegion),
      metricsNamespace: config.namespace,
      ...(props.entries === undefined ? {} : { entries: props.entries }),
      ...(vpc === undefined ? {} : { vpc }),
    });
    this.spill = new FindingsSpill(this, 'Spill', {
      entry: (props.entries ?? FUNCTION_ENTRIES).findingRewriter,
      functionName: FUNCTION_NAMES.findingRewriter,
      environment: functionEnvironment(config, region),
      table: FindingsTable.reference(this, config.homeRegion),
      metricsNamespace: config.namespace,
      spillers: { 'probe-runner': this.probes.runner, 'probe-api': this.probes.api },
      // RunnerHealth forwards their state changes home, where the watchdog pages.
      alarmName: (what) => regionAlarmName(what, region),
    });
    this.health = new RunnerHealth(this, 'RunnerHealth', {
      runner: this.probes.runner,
      api: this.probes.api,
      metricsNamespace: config.namespace,
      homeRegion: config.homeRegion,
    });
  }
}
