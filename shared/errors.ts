/**
 * The one base of every error netprobe throws on purpose (as Powertools does): a stable machine-readable
 * `code` beside the human `message`, and the `cause` it wraps, so a handler, the CLI or a log query can
 * tell netprobe's own failures (`err instanceof NetprobeError`) from bugs and SDK errors without matching
 * on names or messages. Subclasses set `name` and pass their code; docs/architecture.md lists them.
 */
export class NetprobeError extends Error {
  override name = 'NetprobeError';
  /** Stable identifier of the failure kind (`config_invalid`, `findings_not_stored`, …): safe to match on. */
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
