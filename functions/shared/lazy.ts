/**
 * Handlers are built at import time (`export const handler = createHandler(defaultDeps)`) but their
 * dependencies on first use: no environment read, no client created, no config parsed before an
 * invocation, so importing a handler (tests, bundling checks) has no side effects. A failure to build
 * them fails that invocation with its message and is retried on the next.
 */
export type DepsSource<D> = D | (() => D);

export function lazy<D extends object>(source: DepsSource<D>): () => D {
  if (typeof source !== 'function') return () => source;
  let built: D | undefined;
  return () => {
    built ??= (source as () => D)();
    return built;
  };
}
