/**
 * GET /incidents?limit=&cursor=: open incidents of every monitor, oldest first, one Query per page on
 * the sparse active-incidents index.
 */
import * as z from 'zod';
import type { ProbeApiDeps } from '../deps.ts';
import { type ApiResponse, json, type RouteRequest } from '../http.ts';
import { cursor, limit, parseQuery, withCursor } from '../query.ts';

const incidentsQuery = z.strictObject({ limit: limit.optional(), cursor: cursor.optional() });

export async function incidentsRoute(req: RouteRequest<ProbeApiDeps>): Promise<ApiResponse> {
  const { limit: size, cursor: after } = parseQuery(incidentsQuery, req.event);
  const page = await withCursor(() =>
    req.deps.store.listOpenIncidents({
      ...(size ? { limit: size } : {}),
      ...(after ? { cursor: after } : {}),
    }),
  );
  return json(200, { items: page.items, ...(page.cursor ? { cursor: page.cursor } : {}) });
}
