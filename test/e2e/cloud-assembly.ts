/**
 * What the e2e run needs from a synthesized cloud assembly (cdk.out), read from the templates the
 * way CloudFormation and Lambda would: each function's handler, runtime, timeout, environment
 * (intrinsics resolved) and code directory; the tables; the topics and who subscribes to them; the
 * DynamoDB event source mappings with their filters; the schedule rules' targets and inputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Pseudo, type Resource, resolveIntrinsics } from './intrinsics.ts';

export const LOOPBACK_ACCOUNT = '123456789012';

export interface FunctionSpec {
  stack: string;
  logicalId: string;
  /** FunctionName, or the logical id when CloudFormation would generate one. */
  name: string;
  arn: string;
  /** `index.handler`. */
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Absolute path of the code directory (the asset). */
  codeDir: string;
  environment: Record<string, string>;
  region: string;
  /** LoggingConfig.LogFormat, which Lambda passes as AWS_LAMBDA_LOG_FORMAT. */
  logFormat?: string;
}

export interface TableSpec {
  name: string;
  properties: Record<string, unknown>;
}

export interface StreamMapping {
  functionName: string;
  batchSize: number;
  /** Parsed FilterCriteria patterns (any one matching admits a record); none: every record. */
  filters: unknown[];
}

export interface ScheduleTarget {
  functionName: string;
  /** The rule's Input, or its InputTransformer. */
  input?: string;
  inputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
}

export interface Assembly {
  functions: FunctionSpec[];
  tables: TableSpec[];
  topicArns: string[];
  /** Topic ARN → names of the Lambda functions subscribed to it. */
  lambdaSubscribers: Map<string, string[]>;
  streamMappings: StreamMapping[];
  schedules: ScheduleTarget[];
}

interface Manifest {
  artifacts: Record<string, { type: string; environment?: string; properties?: { templateFile?: string } }>;
}

function ofType(resources: Record<string, Resource>, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

export function readAssembly(outdir: string): Assembly {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
  const assembly: Assembly = {
    functions: [],
    tables: [],
    topicArns: [],
    lambdaSubscribers: new Map(),
    streamMappings: [],
    schedules: [],
  };
  for (const [stack, artifact] of Object.entries(manifest.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const template = JSON.parse(readFileSync(join(outdir, artifact.properties.templateFile), 'utf8')) as {
      Resources: Record<string, Resource>;
    };
    const region = artifact.environment?.split('/').at(-1) ?? '';
    const pseudo: Pseudo = { region, account: LOOPBACK_ACCOUNT };
    const resources = template.Resources;
    const resolve = (value: unknown) => resolveIntrinsics(value, resources, pseudo);

    for (const [logicalId, r] of ofType(resources, 'AWS::Lambda::Function')) {
      const p = r.Properties ?? {};
      const name = typeof p.FunctionName === 'string' ? p.FunctionName : logicalId;
      const variables =
        (p.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const assetPath = r.Metadata?.['aws:asset:path'];
      if (typeof assetPath !== 'string')
        throw new Error(`${stack}/${logicalId}: no aws:asset:path (bundling skipped?)`);
      assembly.functions.push({
        stack,
        logicalId,
        name,
        arn: resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] }) as string,
        handler: String(p.Handler),
        runtime: String(p.Runtime),
        timeoutSeconds: Number(p.Timeout ?? 3),
        memoryMb: Number(p.MemorySize ?? 128),
        codeDir: join(outdir, assetPath),
        environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(resolve(v))])),
        region,
        ...(typeof (p.LoggingConfig as { LogFormat?: unknown })?.LogFormat === 'string'
          ? { logFormat: (p.LoggingConfig as { LogFormat: string }).LogFormat }
          : {}),
      });
    }
    for (const [, r] of ofType(resources, 'AWS::DynamoDB::Table')) {
      assembly.tables.push({ name: String(r.Properties?.TableName), properties: r.Properties ?? {} });
    }
    for (const [id] of ofType(resources, 'AWS::SNS::Topic')) {
      assembly.topicArns.push(resolve({ Ref: id }) as string);
    }
    for (const [, r] of ofType(resources, 'AWS::SNS::Subscription')) {
      if (r.Properties?.Protocol !== 'lambda') continue;
      const topic = resolve(r.Properties.TopicArn) as string;
      const fnArn = resolve(r.Properties.Endpoint) as string;
      const list = assembly.lambdaSubscribers.get(topic) ?? [];
      list.push(fnArn.split(':').at(-1) as string);
      assembly.lambdaSubscribers.set(topic, list);
    }
    for (const [, r] of ofType(resources, 'AWS::Lambda::EventSourceMapping')) {
      const p = r.Properties ?? {};
      const filters =
        (p.FilterCriteria as { Filters?: { Pattern: string }[] } | undefined)?.Filters?.map((f) =>
          JSON.parse(f.Pattern),
        ) ?? [];
      assembly.streamMappings.push({
        functionName: String(resolve(p.FunctionName)),
        batchSize: Number(p.BatchSize ?? 100),
        filters,
      });
    }
    for (const [, r] of ofType(resources, 'AWS::Events::Rule')) {
      if (!r.Properties?.ScheduleExpression) continue;
      for (const target of (r.Properties.Targets as Record<string, unknown>[] | undefined) ?? []) {
        const arn = String(resolve(target.Arn));
        if (!arn.includes(':lambda:')) continue;
        assembly.schedules.push({
          functionName: arn.split(':').at(-1) as string,
          ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
          ...(target.InputTransformer
            ? { inputTransformer: target.InputTransformer as ScheduleTarget['inputTransformer'] & object }
            : {}),
        });
      }
    }
  }
  return assembly;
}

/** The event EventBridge hands a schedule target: the rule's Input, or its InputTransformer applied. */
export function scheduledEvent(target: ScheduleTarget, region: string, now: Date): unknown {
  const base = {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOOPBACK_ACCOUNT,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${LOOPBACK_ACCOUNT}:rule/e2e`],
    detail: {},
  };
  if (target.input !== undefined) return JSON.parse(target.input);
  if (!target.inputTransformer) return base;
  let text = target.inputTransformer.InputTemplate;
  for (const [name, path] of Object.entries(target.inputTransformer.InputPathsMap ?? {})) {
    const value = path
      .replace(/^\$\.?/, '')
      .split('.')
      .filter(Boolean)
      .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], base);
    text = text
      .replaceAll(`"<${name}>"`, JSON.stringify(value))
      .replaceAll(`<${name}>`, JSON.stringify(value));
  }
  return JSON.parse(text);
}
