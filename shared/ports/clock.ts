/** Where "now" comes from: the wall clock in Lambdas and the CLI, a simulated one in replay and tests. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: replay's simulated time and deterministic tests. */
export class ManualClock implements Clock {
  #ms: number;

  constructor(start: Date) {
    this.#ms = start.getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  /** Time never runs backwards: a simulation that tries has a bug worth surfacing. */
  set(at: Date): void {
    const ms = at.getTime();
    if (!Number.isFinite(ms)) throw new RangeError('ManualClock.set: invalid date');
    if (ms < this.#ms) {
      throw new RangeError(
        `ManualClock.set: ${at.toISOString()} is before ${new Date(this.#ms).toISOString()}`,
      );
    }
    this.#ms = ms;
  }

  advance(ms: number): void {
    this.set(new Date(this.#ms + ms));
  }
}
