import { Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { afterEach, describe, expect, it } from 'vitest';
import { addNagChecks } from '../../infra/netprobe-app.ts';
import { testConfig } from './fixtures/config.ts';
import { buildTestApp } from './helpers.ts';

let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  dispose = undefined;
});

function nagApp() {
  const built = buildTestApp(testConfig());
  dispose = built.dispose;
  return { ...built, checks: addNagChecks(built.app) };
}

/** Every acknowledgement in the tree: construct path, rule id, reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutionsChecks', () => {
  it('finds nothing unacknowledged in any stack', () => {
    const { app, checks } = nagApp();
    const report = checks.validateScope(app);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('reports a violation when one is there (the check is live)', () => {
    const { stacks, app, checks } = nagApp();
    new Queue(stacks.home, 'PlainQueue');
    const rules = checks.validateScope(app).violations.map((violation) => violation.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });

  // cdk-nag 3.0.2 matches acknowledgements by the bare rule id, which aws-cdk-lib records as
  // `Annotation::<id>` (its report's "Acknowledge with 'AwsSolutions::…'" form is not matched).
  it('acknowledges only the known, unavoidable findings, each with its reason', () => {
    const { app } = nagApp();
    const found = acknowledgements(app);
    const summary = [
      ...new Set(
        found.map(
          ({ path, id }) => `${id} ${path.replace(/^netprobe-probe-[a-z0-9-]+\//, 'netprobe-probe-*/')}`,
        ),
      ),
    ];
    expect(summary.sort()).toEqual(
      [
        // cloudwatch:PutMetricData has no resource ARN (namespace condition instead)
        'Annotation::AwsSolutions-IAM5[Resource::*] netprobe-home/ApiFunction/PublishMetrics',
        'Annotation::AwsSolutions-IAM5[Resource::*] netprobe-probe-*/Probes/Runner/PublishMetrics',
        'Annotation::AwsSolutions-IAM5[Resource::*] netprobe-probe-*/Probes/Api/PublishMetrics',
        // dynamodb:ListStreams has no resource ARN
        'Annotation::AwsSolutions-IAM5[Resource::*] netprobe-home/Escalation/EscalatorRole',
        // the dead-letter queues are themselves the DLQs (the escalator's, the spill queues')
        'Annotation::AwsSolutions-SQS3 netprobe-home/Escalation/DeadLetters',
        'Annotation::AwsSolutions-SQS3 netprobe-home/ApiSpill/DeadLetters',
        'Annotation::AwsSolutions-SQS3 netprobe-probe-*/Spill/DeadLetters',
        // the lost-shards queue is itself the runner's on-failure destination
        'Annotation::AwsSolutions-SQS3 netprobe-probe-*/Probes/LostShards/Queue',
      ].sort(),
    );
    for (const { reason } of found) expect(reason.length).toBeGreaterThan(40);
  });
});
