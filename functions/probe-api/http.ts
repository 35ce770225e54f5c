/**
 * The HTTP side of the probe API: API Gateway HTTP API (payload 2.0) events in, JSON out, and one
 * error shape for every failure: `{"error": {"code": "...", "message": "..."}}` with 400, 403, 404 or 500.
 */
import type { MiddlewareObj } from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { unknownKeyMessage } from '../../shared/config/validate.ts';
import { NetprobeError } from '../../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';

export type ApiResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

export const ERROR_CODES = {
  400: 'invalid_request',
  403: 'target_forbidden',
  404: 'not_found',
  500: 'internal_error',
} as const;
export type ApiStatus = keyof typeof ERROR_CODES;

/**
 * A failure the API answers with its status and message (the message is shown to the caller). It is
 * an http-error as middy's http-error-handler reads one: `statusCode`, and `expose` set.
 */
export class ApiError extends NetprobeError {
  override name = 'ApiError';
  readonly status: ApiStatus;
  readonly statusCode: ApiStatus;
  readonly expose = true;
  /** The API's error code, the `error.code` of the response body. */
  declare readonly code: (typeof ERROR_CODES)[ApiStatus];
  constructor(status: ApiStatus, message: string) {
    super(ERROR_CODES[status], message);
    this.status = status;
    this.statusCode = status;
  }
}

export const badRequest = (message: string) => new ApiError(400, message);

export function json(statusCode: number, payload: unknown): ApiResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(payload),
  };
}

/**
 * Every failure as the API's one error shape, written by middy's http-error-handler: ApiError → its
 * status and message; anything else → 500 with the request id, whose details stay in the log (an
 * unexpected error may carry internals the caller should not see). Use it before the logging
 * middleware, so the log sees the original error (onError runs in reverse order of use).
 */
export function httpErrors(): MiddlewareObj<APIGatewayProxyEventV2, ApiResponse>[] {
  return [httpErrorHandler({ logger: false }), errorShape()];
}

/** Turns the error into the http-error whose message is the JSON body http-error-handler writes. */
function errorShape(): MiddlewareObj<APIGatewayProxyEventV2, ApiResponse> {
  return {
    name: 'errorShape',
    onError: (request) => {
      const error =
        request.error instanceof ApiError
          ? request.error
          : new ApiError(
              500,
              `internal error (request ${request.context.awsRequestId}); the probe-api function's log has the details`,
            );
      const body = JSON.stringify({ error: { code: error.code, message: error.message } });
      request.error = Object.assign(new Error(body, { cause: request.error }), {
        statusCode: error.status,
        expose: true,
        headers: { 'cache-control': 'no-store' },
      });
    },
  };
}

/** Refuses events that are not HTTP API payload 2.0 (e.g. a console test event of another kind) before routing. */
export function requireHttpApiEvent(): MiddlewareObj<APIGatewayProxyEventV2, ApiResponse> {
  return {
    name: 'requireHttpApiEvent',
    before: (request) => {
      const event = request.event as Partial<APIGatewayProxyEventV2> | null;
      const http = event?.requestContext?.http;
      if (
        event?.version !== '2.0' ||
        typeof http?.method !== 'string' ||
        typeof http.path !== 'string' ||
        !http.path.startsWith('/')
      ) {
        throw badRequest(
          'not an API Gateway HTTP API event (payload version "2.0" with requestContext.http.method and a .path starting with "/"); see events/apigw/ for samples',
        );
      }
    },
  };
}

/** The JSON body, or undefined when there is none. Base64 bodies (binary media types) are decoded. */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body.trim() === '') return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`body: not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * A zod failure as one sentence naming each place: `body.timeout: expected …; query.regoin: unknown
 * key (did you mean "region"?)`. `known` lists the accepted keys, for the suggestion.
 */
export function describeIssues(error: z.ZodError, where: string, known: readonly string[] = []): string {
  return error.issues
    .flatMap((issue) => {
      const at = [where, ...issue.path.map(String)].join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `${at}.${key}: ${unknownKeyMessage(key, known)}`);
      }
      return [`${at}: ${issue.message}`];
    })
    .join('; ');
}

/** Where a route finds what it needs about the request. */
export interface RouteRequest<D> {
  event: APIGatewayProxyEventV2;
  context: Context;
  /** Aborted by middy shortly before the Lambda times out. */
  signal: AbortSignal | undefined;
  deps: D;
  params: Record<string, string>;
  /** The function's logger (a route that stores findings reports what it could not store). */
  logger: Logger;
}
