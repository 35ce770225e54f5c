/**
 * GET /monitors/{id}/findings?region=&from=&to=&limit=&cursor=: a monitor's findings, newest first,
 * one Query per page (never a Scan). `region` narrows to one location; from (inclusive) and to
 * (exclusive) are ISO-8601 times; `cursor` is the one the previous page returned.
 */
import * as z from 'zod';
import { awsRegionError } from '../../../shared/config/validate.ts';
import type { ProbeApiDeps } from '../deps.ts';
import { type ApiResponse, badRequest, json, type RouteRequest } from '../http.ts';
import { findMonitor } from '../monitors.ts';
import { cursor, limit, parseQuery, withCursor } from '../query.ts';

const time = z.string().transform((text, ctx) => {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || !Number.isFinite(ms)) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(text)} is not an ISO-8601 time (like 2026-03-01T12:00:00Z)`,
    });
    return z.NEVER;
  }
  return new Date(ms);
});

const findingsQuery = z.strictObject({
  region: z
    .string()
    .superRefine((value, ctx) => {
      const problem = awsRegionError(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  from: time.optional(),
  to: time.optional(),
  limit: limit.optional(),
  cursor: cursor.optional(),
});

export async function findingsRoute(req: RouteRequest<ProbeApiDeps>): Promise<ApiResponse> {
  const monitor = findMonitor(req.deps.config, req.params.id);
  const q = parseQuery(findingsQuery, req.event);
  if (q.from && q.to && q.to.getTime() <= q.from.getTime()) {
    throw badRequest('query.to: must be after query.from (from is inclusive, to exclusive)');
  }
  const page = await withCursor(() =>
    req.deps.store.queryFindings(monitor.id, {
      ...(q.region ? { location: q.region } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
    }),
  );
  return json(200, { items: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) });
}
