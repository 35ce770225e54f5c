/**
 * Handlers are built at import time (`export const handler = createHandler(defaultDeps)`) but their
 * dependencies on first use: no environment read, no client created, no config parsed before an
 * invocation, so importing a handler (tests, bundling checks) has no side effects. A failure to build
 * them fails that invocation with its message and is retried on the next.
 */
import { createLogger, type Logger } from './logger.ts';

/** The dependencies themselves (tests), or how to build them with the handler's logger (the Lambda). */
export type DepsSource<D> = D | ((logger: Logger) => D);

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
 * What every createHandler starts from: the function's logger, and its dependencies built on first
 * use with that same logger (so an adapter's retry warnings carry the function's name too).
 */
export function handlerSetup<D extends object>(
  functionName: string,
  source: DepsSource<D>,
  options: HandlerOptions = {},
): { logger: Logger; deps: () => D } {
  const logger = options.logger ?? createLogger({ fields: { function: functionName } });
  const build = typeof source === 'function' ? () => (source as (logger: Logger) => D)(logger) : source;
  return { logger, deps: lazy(build) };
}
