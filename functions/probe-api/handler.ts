/**
 * probe-api: on-demand runs and reads behind API Gateway HTTP API (IAM auth), also invocable from the
 * Lambda console with the events/apigw/ samples. Routes (infra/constructs/probe-api.ts API_ROUTES):
 *   POST /monitors/{id}/run                       run a configured monitor now (routes/run-monitor.ts)
 *   POST /check                                   run an ad-hoc target now, SSRF-guarded (routes/check.ts)
 *   GET  /monitors/{id}/findings?region=&from=&to=&limit=&cursor=   (routes/findings.ts)
 *   GET  /incidents?limit=&cursor=                                  (routes/incidents.ts)
 *   POST /silences, GET /silences, DELETE /silences/{id}             (routes/silences.ts)
 * Every error is `{"error": {"code", "message"}}` with 400, 403, 404 or 500 (docs/api.md).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpRouterHandler, { type Route } from '@middy/http-router';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { logInvocation } from '../shared/invocation.ts';
import { type DepsSource, type HandlerOptions, handlerSetup } from '../shared/lazy.ts';
import { flushMetrics } from '../shared/metrics.ts';
import { probingDeps } from '../shared/probing-deps.ts';
import { warmUpOnLambda } from '../shared/warm-up.ts';
import type { ProbeApiDeps } from './deps.ts';
import { ApiError, type ApiResponse, httpErrors, type RouteRequest, requireHttpApiEvent } from './http.ts';
import { checkRoute } from './routes/check.ts';
import { findingsRoute } from './routes/findings.ts';
import { incidentsRoute } from './routes/incidents.ts';
import { runMonitorRoute } from './routes/run-monitor.ts';
import { createSilenceRoute, deleteSilenceRoute, listSilencesRoute } from './routes/silences.ts';

export type { ProbeApiDeps } from './deps.ts';

type RouteFn = (req: RouteRequest<ProbeApiDeps>) => Promise<ApiResponse>;

export const ROUTES: readonly { method: 'GET' | 'POST' | 'DELETE'; path: string; run: RouteFn }[] = [
  { method: 'POST', path: '/monitors/{id}/run', run: runMonitorRoute },
  { method: 'POST', path: '/check', run: checkRoute },
  { method: 'GET', path: '/monitors/{id}/findings', run: findingsRoute },
  { method: 'GET', path: '/incidents', run: incidentsRoute },
  { method: 'POST', path: '/silences', run: createSilenceRoute },
  { method: 'GET', path: '/silences', run: listSilencesRoute },
  { method: 'DELETE', path: '/silences/{id}', run: deleteSilenceRoute },
];

function describeRequest(
  event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: { iam?: { userArn?: string } } } },
) {
  return {
    route: event.routeKey,
    method: event.requestContext?.http?.method,
    path: event.rawPath,
    query: event.queryStringParameters,
    caller: event.requestContext?.authorizer?.iam?.userArn,
    apiRequestId: event.requestContext?.requestId,
  };
}

export function createHandler(source: DepsSource<ProbeApiDeps>, options: HandlerOptions = {}) {
  const { deps, logger, time } = handlerSetup('probe-api', source, options);
  const routes: Route<APIGatewayProxyEventV2, ApiResponse>[] = ROUTES.map((route) => ({
    method: route.method,
    path: route.path,
    handler: (event: APIGatewayProxyEventV2, context: Context, opts: unknown) =>
      route.run({
        event,
        context,
        signal: (opts as { signal?: AbortSignal } | undefined)?.signal,
        deps: deps(),
        params: (event.pathParameters ?? {}) as Record<string, string>,
        logger,
      }),
  }));
  const router = httpRouterHandler<APIGatewayProxyEventV2, ApiResponse>({
    routes,
    notFoundResponse: ({ method, path }) => {
      const known = ROUTES.map((r) => `${r.method} ${r.path}`).join(', ');
      throw new ApiError(404, `no route ${method} ${path} (routes: ${known})`);
    },
  });
  return (
    middy<APIGatewayProxyEventV2, ApiResponse>()
      // Request id and cold-start flag on every line of the invocation (Powertools).
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(time.middleware())
      // Before the log: onError runs in reverse, so the log sees the error before it becomes the answer.
      .use(httpErrors())
      .use(
        logInvocation<APIGatewayProxyEventV2, ApiResponse>(logger, {
          describeEvent: describeRequest,
          describeResult: (response) => ({ status: response.statusCode }),
          isExpected: (error) => error instanceof ApiError && error.status < 500,
        }),
      )
      .use(
        flushMetrics(
          () => ({
            publisher: deps().metrics,
            namespace: deps().config.namespace,
            functionName: 'probe-api',
          }),
          logger,
        ),
      )
      .use(requireHttpApiEvent())
      .handler(router)
  );
}

export const handler = createHandler(probingDeps);

// During Lambda's init, before the first invocation's clock: see functions/shared/warm-up.ts.
await warmUpOnLambda();
