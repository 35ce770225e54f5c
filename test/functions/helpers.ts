/**
 * Shared by the handler tests: the events/ samples (what the Lambda console sends), a Lambda context
 * whose remaining time runs down in real time, a logger that keeps its lines, and loopback servers.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Context } from 'aws-lambda';
import type { Logger } from '../../functions/shared/logger.ts';
import { createLogger } from '../../functions/shared/logger.ts';

const EVENTS = new URL('../../events/', import.meta.url);

/** events/<path>.json, parsed: `loadEvent('apigw/check')`. */
export function loadEvent<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(new URL(`${path}.json`, EVENTS), 'utf8')) as T;
}

let invocations = 0;

/** A Lambda context with `remainingMs` left from now. */
export function lambdaContext(remainingMs = 30_000, functionName = 'netprobe-test'): Context {
  const end = Date.now() + remainingMs;
  const id = `00000000-0000-4000-8000-${String(++invocations).padStart(12, '0')}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: id,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/03/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export interface CapturedLogger extends Logger {
  lines: Record<string, unknown>[];
  messages(): string[];
}

export function captureLogger(): CapturedLogger {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return Object.assign(logger, { lines, messages: () => lines.map((l) => String(l.message)) });
}

export interface LoopbackServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1: `answer` false makes it accept and never respond (a hung backend). */
export async function startServer(answer: boolean | http.RequestListener = true): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const listener: http.RequestListener =
    typeof answer === 'function'
      ? answer
      : (_req, res) => {
          if (answer) res.end('ok');
        };
  const server = http.createServer(listener);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
