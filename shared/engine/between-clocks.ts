/**
 * Progress output waits for a moment no probe is being timed. A write while a probe is timed (a
 * terminal line, a few µs to a few ms of the one JS thread) delays any mark that falls due meanwhile:
 * the response that arrives during it is stamped late. So the engine reports each probe's clock
 * starting and stopping here, and what a caller wants written is held while any clock runs and handed
 * over, in the order it came, the moment the last one stops: before any other probe can start, since
 * nothing else runs on the thread in between. With probes always in flight (many monitors, long
 * timeouts) the lines come in bursts, at the latest when the run ends.
 */
export interface BetweenClocks<T> {
  /** A probe's clock is about to start. */
  started(): void;
  /** A probe's clock stopped; `item` is delivered now if no other clock runs, else when the last one stops. */
  stopped(item: T): void;
}

export function betweenClocks<T>(deliver: (item: T) => void): BetweenClocks<T> {
  let running = 0;
  const held: T[] = [];
  return {
    started() {
      running++;
    },
    stopped(item) {
      running--;
      held.push(item);
      if (running > 0) return;
      for (const next of held.splice(0)) deliver(next);
    },
  };
}
