/**
 * Loopback stand-ins for the AWS services the bundles call besides DynamoDB (dynalite) and SNS
 * (test/fixtures/loopback-sns.ts): CloudWatch PutMetricData (AWS JSON 1.0) and Secrets Manager
 * GetSecretValue (AWS JSON 1.1), answering as the services do and recording each request.
 */
import { randomUUID } from 'node:crypto';
import { type RecordedRequest, startHttpServer } from '../fixtures/http-servers.ts';

export interface LoopbackService {
  endpoint: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

/** The operation a JSON-protocol request names (`X-Amz-Target: GraniteServiceVersion20100801.PutMetricData`). */
export function operationOf(request: RecordedRequest): string {
  return (
    String(request.headers['x-amz-target'] ?? '')
      .split('.')
      .at(-1) ?? ''
  );
}

export async function startLoopbackCloudWatch(): Promise<LoopbackService> {
  const server = await startHttpServer((_req, res) => {
    const request = server.requests.at(-1) as RecordedRequest;
    if (operationOf(request) !== 'PutMetricData') {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({ __type: 'InvalidAction', message: `loopback CloudWatch: ${operationOf(request)}` }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
    res.end('{}');
  });
  return { endpoint: server.origin, requests: server.requests, close: server.close };
}

/** @param secrets name → SecretString; a SecretId may also be an ARN ending in `:secret:<name>-XXXXXX`. */
export async function startLoopbackSecretsManager(secrets: Record<string, string>): Promise<LoopbackService> {
  const server = await startHttpServer((_req, res) => {
    const request = server.requests.at(-1) as RecordedRequest;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
      });
      res.end(JSON.stringify(body));
    };
    const id = String((JSON.parse(request.body || '{}') as { SecretId?: string }).SecretId ?? '');
    const name = id.startsWith('arn:') ? id.replace(/^.*:secret:/, '').replace(/-[A-Za-z0-9]{6}$/, '') : id;
    const value = secrets[name];
    if (operationOf(request) !== 'GetSecretValue' || value === undefined) {
      reply(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
      return;
    }
    reply(200, {
      ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
      Name: name,
      SecretString: value,
      VersionId: randomUUID(),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1_764_633_600,
    });
  });
  return { endpoint: server.origin, requests: server.requests, close: server.close };
}

/**
 * Every other AWS endpoint (AWS_ENDPOINT_URL, which the SDK uses for a service without its own
 * AWS_ENDPOINT_URL_<SERVICE>): a call the run does not stand in for is recorded and refused here,
 * never sent off the machine.
 */
export async function startLoopbackCatchAll(): Promise<LoopbackService> {
  const server = await startHttpServer((_req, res) => {
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(
      JSON.stringify({ __type: 'UnrecognizedClientException', message: 'not stood in by the e2e run' }),
    );
  });
  return { endpoint: server.origin, requests: server.requests, close: server.close };
}

export interface AsyncInvocation {
  /** The function as the caller named it: a name, or the last part of its ARN. */
  functionName: string;
  payload: unknown;
}

export interface LoopbackLambda extends LoopbackService {
  /** Asynchronous invocations accepted and not yet taken by `take()`, in the order they came. */
  take(): AsyncInvocation[];
}

/**
 * Lambda's Invoke API (REST JSON, `POST /2015-03-31/functions/{name}/invocations`) for asynchronous
 * invocations only (`X-Amz-Invocation-Type: Event` → 202, as Lambda queues them): the probe-dispatcher's
 * shards are recorded here, and the run then hands each one to the function it names, in the sandbox.
 */
export async function startLoopbackLambda(): Promise<LoopbackLambda> {
  const queued: AsyncInvocation[] = [];
  const server = await startHttpServer((req, res) => {
    const request = server.requests.at(-1) as RecordedRequest;
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match?.[1] || req.headers['x-amz-invocation-type'] !== 'Event') {
      res.writeHead(400, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'InvalidRequestContentException',
      });
      res.end(
        JSON.stringify({
          message: `loopback Lambda takes asynchronous Invoke only: ${req.method} ${req.url}`,
        }),
      );
      return;
    }
    const functionName = decodeURIComponent(match[1]).split(':function:').at(-1)?.split(':')[0] ?? '';
    queued.push({ functionName, payload: JSON.parse(request.body || 'null') });
    res.writeHead(202, { 'x-amzn-requestid': randomUUID() });
    res.end();
  });
  return {
    endpoint: server.origin,
    requests: server.requests,
    close: server.close,
    take: () => queued.splice(0, queued.length),
  };
}
