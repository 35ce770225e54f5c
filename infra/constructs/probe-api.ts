import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HTTP_API_NAME } from '../naming.ts';

/** The routes the probe-api handler serves (functions/probe-api). */
export const API_ROUTES = [
  { method: HttpMethod.POST, path: '/monitors/{id}/run' },
  { method: HttpMethod.POST, path: '/check' },
  { method: HttpMethod.GET, path: '/monitors/{id}/findings' },
  { method: HttpMethod.GET, path: '/incidents' },
  { method: HttpMethod.POST, path: '/silences' },
  { method: HttpMethod.GET, path: '/silences' },
  { method: HttpMethod.DELETE, path: '/silences/{id}' },
] as const;

export interface ProbeApiProps {
  /** The probe-api function that serves every route. */
  readonly handler: IFunction;
  /** Requests per second across the API; an ad-hoc check opens outbound connections. @default 10 */
  readonly rateLimit?: number;
  /** @default 20 */
  readonly burstLimit?: number;
  /** Access log retention. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * The HTTP API in front of the probe-api: IAM (SigV4) authorization on every route, so callers need
 * `execute-api:Invoke` on it (`awscurl`, the SDKs, or `netprobe` with AWS credentials), throttled,
 * with JSON access logs that name the IAM caller.
 */
export class ProbeApi extends Construct {
  readonly api: HttpApi;
  readonly url: string;

  constructor(scope: Construct, id: string, props: ProbeApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: HTTP_API_NAME,
      description: 'netprobe: run monitors and ad-hoc checks on demand, read findings and incidents',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 10, burstLimit: props.burstLimit ?? 20 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            caller: '$context.identity.userArn',
            sourceIp: '$context.identity.sourceIp',
            route: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration('ProbeApi', props.handler);
    for (const route of API_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [route.method], integration });
    }
    this.url = stage.url;
  }
}
