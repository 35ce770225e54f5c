/**
 * Handlers are built at import time (`export const handler = createHandler(defaultDeps)`) but their
 * dependencies on first use: no environment read, no client created, no config parsed before an
 * invocation, so importing a handler (tests, bundling checks) has no side effects. A failure to build
 * them fails that invocation with its message and is retried on the next.
 */
import type { TimeLeft } from '../../shared/adapters/retry.ts';
import { createLogger, type Logger } from './logger.ts';
import { InvocationTime } from './time-left.ts';

/** What a function's dependencies are built with: its logger and its invocation's time left. */
export interface FunctionRuntime {
  logger: Logger;
  /** ms the SDK clients may still spend in this invocation (InvocationTime.forClients). */
  timeLeft: TimeLeft;
}

/** The dependencies themselves (tests), or how to build them with the handler's runtime (the Lambda). */
export type DepsSource<D> = D | ((runtime: FunctionRuntime) => D);

export function lazy<D extends object>(source: D | (() => D)): () => D {
  if (typeof source !== 'function') return () => source;
  let built: D | undefined;
  return () => {
    built ??= (source as () => D)();
    return built;
  };
}

export interface HandlerOptions {
  /** Default: JSON lines on stdout, each naming the function. */
  logger?: Logger;
}

/**
 * What every createHandler starts from: the function's logger, its invocation-time tracker (whose
 * middleware the handler uses first), and its dependencies built on first use with both (so an
 * adapter's retry warnings carry the function's name, and its retries stop before the invocation ends).
 */
export function handlerSetup<D extends object>(
  functionName: string,
  source: DepsSource<D>,
  options: HandlerOptions = {},
): { logger: Logger; deps: () => D; time: InvocationTime } {
  const logger = options.logger ?? createLogger({ fields: { function: functionName } });
  const time = new InvocationTime();
  const runtime: FunctionRuntime = { logger, timeLeft: time.forClients };
  const build =
    typeof source === 'function' ? () => (source as (runtime: FunctionRuntime) => D)(runtime) : source;
  return { logger, deps: lazy(build), time };
}
