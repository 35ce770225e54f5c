import type { Finding } from '../domain/finding.ts';
import { NetprobeError } from '../errors.ts';

export interface SpillOptions {
  /** Why the findings are spilled (the store's error), carried with them for whoever reads the queue. */
  reason: string;
  /** The caller's deadline: once aborted, no message starts and the one in flight is cut. */
  signal?: AbortSignal;
}

/**
 * Where findings the store did not take wait, durably, to be written later (the SQS spill queue and
 * its re-writer: shared/adapters/sqs-spill.ts, functions/finding-rewriter/handler.ts).
 */
export interface FindingsSpill {
  /** Throws FindingsNotSpilledError with the findings it could not hand over. */
  spill(findings: readonly Finding[], options: SpillOptions): Promise<void>;
}

/** Findings neither stored nor spilled: only the log line that reports them holds them now. */
export class FindingsNotSpilledError extends NetprobeError {
  override name = 'FindingsNotSpilledError';
  readonly unsent: readonly Finding[];

  constructor(unsent: readonly Finding[], total: number, cause: unknown) {
    super(
      'findings_not_spilled',
      `${unsent.length} of ${total} findings not spilled: ${String((cause as Error)?.message ?? cause)}`,
      { cause },
    );
    this.unsent = unsent;
  }
}
