/**
 * CloudFormation intrinsic functions in a synthesized template, resolved as CloudFormation would
 * for the loopback account: a function's environment (TOPIC_ARNS, CHAT_TOPICS…) holds Refs to the
 * topics and tables of the same template. What this cannot resolve it names, so a template that
 * would need more fails the run instead of passing a wrong value.
 */

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface Pseudo {
  region: string;
  account: string;
}

export class UnresolvableError extends Error {
  override name = 'UnresolvableError';
}

/** The ARN (or name) CloudFormation returns for Ref / Fn::GetAtt on the resources the functions reference. */
function attribute(resources: Record<string, Resource>, id: string, attr: string, p: Pseudo): string {
  const resource = resources[id];
  if (!resource) throw new UnresolvableError(`Ref to ${id}: no such resource`);
  const props = resource.Properties ?? {};
  // A resource without a physical name gets one from CloudFormation; its logical id stands in for it.
  const name = (key: string) => {
    const value = props[key] ?? id;
    if (typeof value !== 'string')
      throw new UnresolvableError(`${id} (${resource.Type}) has no literal ${key}`);
    return value;
  };
  switch (resource.Type) {
    case 'AWS::SNS::Topic':
      if (attr === 'Ref' || attr === 'TopicArn')
        return `arn:aws:sns:${p.region}:${p.account}:${name('TopicName')}`;
      if (attr === 'TopicName') return name('TopicName');
      break;
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      if (attr === 'Ref') return name('TableName');
      if (attr === 'Arn') return `arn:aws:dynamodb:${p.region}:${p.account}:table/${name('TableName')}`;
      break;
    case 'AWS::SQS::Queue':
      if (attr === 'Ref' || attr === 'QueueUrl') {
        return `https://sqs.${p.region}.amazonaws.com/${p.account}/${name('QueueName')}`;
      }
      if (attr === 'Arn') return `arn:aws:sqs:${p.region}:${p.account}:${name('QueueName')}`;
      if (attr === 'QueueName') return name('QueueName');
      break;
    case 'AWS::Lambda::Function':
      if (attr === 'Ref') return typeof props.FunctionName === 'string' ? props.FunctionName : id;
      if (attr === 'Arn') {
        const fn = typeof props.FunctionName === 'string' ? props.FunctionName : id;
        return `arn:aws:lambda:${p.region}:${p.account}:function:${fn}`;
      }
      break;
  }
  throw new UnresolvableError(`${attr === 'Ref' ? 'Ref' : `Fn::GetAtt ${attr}`} of ${id} (${resource.Type})`);
}

const PSEUDO: Record<string, (p: Pseudo) => string> = {
  'AWS::Region': (p) => p.region,
  'AWS::AccountId': (p) => p.account,
  'AWS::Partition': () => 'aws',
  'AWS::URLSuffix': () => 'amazonaws.com',
};

export function resolveIntrinsics(value: unknown, resources: Record<string, Resource>, p: Pseudo): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, resources, p));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [key, arg] = entries[0] ?? [];
  if (entries.length === 1 && key !== undefined) {
    if (key === 'Ref') {
      const pseudo = PSEUDO[arg as string];
      return pseudo ? pseudo(p) : attribute(resources, arg as string, 'Ref', p);
    }
    if (key === 'Fn::GetAtt') {
      const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
      return attribute(resources, String(id), String(attr), p);
    }
    if (key === 'Fn::Join') {
      const [separator, parts] = arg as [string, unknown[]];
      return (resolveIntrinsics(parts, resources, p) as unknown[]).join(separator);
    }
    if (key === 'Fn::Select') {
      const [index, list] = arg as [number, unknown];
      return (resolveIntrinsics(list, resources, p) as unknown[])[Number(index)];
    }
    if (key.startsWith('Fn::')) throw new UnresolvableError(`${key} is not resolved by the e2e run`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, resources, p)]));
}
