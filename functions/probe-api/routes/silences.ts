/**
 * Silences: maintenance windows made at run time (docs/api.md "Silences"). Stored in the table; the
 * escalator reads them with the config's `maintenance` windows (shared/domain/maintenance.ts).
 *   POST   /silences        {monitors, from, to, reason} → 201 {"silence": {...}}
 *   GET    /silences        → 200 {"items": [...]} (active and future ones, by start)
 *   DELETE /silences/{id}   → 204; unknown id → 404
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { type Silence, utcTimeError } from '../../../shared/domain/maintenance.ts';
import type { ProbeApiDeps } from '../deps.ts';
import {
  ApiError,
  type ApiResponse,
  badRequest,
  describeIssues,
  json,
  jsonBody,
  type RouteRequest,
} from '../http.ts';

const utcTime = z.string().superRefine((text, ctx) => {
  const error = utcTimeError(text);
  if (error) ctx.addIssue({ code: 'custom', message: error });
});

/**
 * Ids one silence may name ('*' covers any fleet): the item stays far under DynamoDB's 400 KB, and the
 * silences every escalator evaluation reads stay small.
 */
const MAX_SILENCE_MONITORS = 1000;

const silenceBody = z.strictObject({
  monitors: z.union([z.literal('*'), z.array(z.string().min(1)).min(1).max(MAX_SILENCE_MONITORS)]),
  from: utcTime,
  to: utcTime,
  reason: z.string().min(1).max(500),
});

/** The IAM caller of the request (API Gateway fills it for IAM-authorized routes). */
function callerOf(event: APIGatewayProxyEventV2): string {
  const iam = (event.requestContext as { authorizer?: { iam?: { userArn?: string } } }).authorizer?.iam;
  return iam?.userArn ?? 'unknown';
}

export async function createSilenceRoute(req: RouteRequest<ProbeApiDeps>): Promise<ApiResponse> {
  const input = jsonBody(req.event);
  if (input === undefined)
    throw badRequest('body: required: {"monitors": ["<id>"] | "*", "from", "to", "reason"}');
  const parsed = silenceBody.safeParse(input);
  if (!parsed.success) throw badRequest(describeIssues(parsed.error, 'body', Object.keys(silenceBody.shape)));
  const { monitors, from, to, reason } = parsed.data;
  if (Date.parse(to) <= Date.parse(from)) throw badRequest(`body.to: ${to} is not after from (${from})`);
  const now = (req.deps.clock?.now() ?? new Date()).getTime();
  if (Date.parse(to) <= now) throw badRequest(`body.to: ${to} is already past`);
  if (monitors !== '*') {
    const known = new Set(req.deps.config.monitors.map((m) => m.id));
    const unknown = monitors.findIndex((id) => !known.has(id));
    if (unknown >= 0)
      throw badRequest(`body.monitors.${unknown}: unknown monitor ${JSON.stringify(monitors[unknown])}`);
    const repeated = monitors.findIndex((id, i) => monitors.indexOf(id) !== i);
    if (repeated >= 0)
      throw badRequest(`body.monitors.${repeated}: ${JSON.stringify(monitors[repeated])} is listed twice`);
  }
  const silence: Silence = { id: randomUUID(), monitors, from, to, reason, createdBy: callerOf(req.event) };
  await req.deps.store.putSilence(silence);
  return json(201, { silence });
}

export async function listSilencesRoute(req: RouteRequest<ProbeApiDeps>): Promise<ApiResponse> {
  return json(200, { items: await req.deps.store.listSilences(req.deps.clock?.now() ?? new Date()) });
}

export async function deleteSilenceRoute(req: RouteRequest<ProbeApiDeps>): Promise<ApiResponse> {
  const id = req.params.id ?? '';
  if (!(await req.deps.store.deleteSilence(id))) throw new ApiError(404, `no silence ${JSON.stringify(id)}`);
  return { statusCode: 204, headers: { 'cache-control': 'no-store' }, body: '' };
}
