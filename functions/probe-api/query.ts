/** Query-string pieces shared by the read routes: page size, cursor, and strict parsing. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { InvalidCursorError, MAX_PAGE_SIZE } from '../../shared/ports/store.ts';
import { badRequest, describeIssues } from './http.ts';

export const limit = z
  .string()
  .regex(/^\d+$/, { error: `expected a whole number from 1 to ${MAX_PAGE_SIZE}` })
  .transform(Number)
  .pipe(
    z
      .number()
      .min(1, { error: 'must be at least 1' })
      .max(MAX_PAGE_SIZE, { error: `at most ${MAX_PAGE_SIZE}` }),
  );

export const cursor = z.string().min(1, { error: 'empty: omit it for the first page' });

/** The query string parsed by `schema` (strict: a misspelt parameter is a 400, not silently ignored). */
export function parseQuery<S extends z.ZodObject>(schema: S, event: APIGatewayProxyEventV2): z.output<S> {
  const parsed = schema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) throw badRequest(describeIssues(parsed.error, 'query', Object.keys(schema.shape)));
  return parsed.data;
}

/** A cursor from another query, or tampered with: the caller's mistake, not ours. */
export async function withCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw badRequest(`query.${error.message}`);
    throw error;
  }
}
