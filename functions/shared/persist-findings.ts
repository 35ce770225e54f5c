/**
 * No lost finding: a run's findings go to the table within the time the invocation can give the
 * writes; whatever the store hands back (throttled, refused, out of time) goes to the spill queue, to
 * be written by the finding-rewriter later; only if that fails too are the findings logged in full and
 * counted as lost. Each outcome is counted in an EMF metric an alarm watches (emf.ts).
 */
import type { Finding } from '../../shared/domain/finding.ts';
import { NetprobeError } from '../../shared/errors.ts';
import { FindingsNotSpilledError, type FindingsSpill } from '../../shared/ports/spill.ts';
import { FindingsNotStoredError, type Store } from '../../shared/ports/store.ts';
import { emitCount, OPERATIONAL_METRICS } from './emf.ts';
import type { Logger } from './logger.ts';

export interface PersistDeps {
  store: Store;
  /** Absent outside the Lambda (tests, a stack without a spill queue): unstored findings are then lost. */
  spill?: FindingsSpill;
  logger: Logger;
  /** Where the EMF counts go: the config's namespace, and the function's short name. */
  metrics: { namespace: string; functionName: string };
}

export interface PersistBudget {
  /** Aborts the store's writes. */
  writes: AbortSignal;
  /** Aborts the spill; asked for only when the writes are done. */
  spill: () => AbortSignal;
}

export interface PersistOutcome {
  /** Findings in the table with their latest status. */
  stored: number;
  /** Findings in the spill queue, to be written by the finding-rewriter. */
  spilled: number;
}

/** Findings neither stored nor spilled (logged in full before this is thrown). */
export class FindingsLostError extends NetprobeError {
  override name = 'FindingsLostError';
  readonly lost: number;

  constructor(lost: number, total: number, cause: unknown) {
    super('findings_lost', `${lost} of ${total} findings neither stored nor spilled`, { cause });
    this.lost = lost;
  }
}

export async function persistFindings(
  findings: readonly Finding[],
  deps: PersistDeps,
  budget: PersistBudget,
): Promise<PersistOutcome> {
  if (findings.length === 0) return { stored: 0, spilled: 0 };
  let unwritten: readonly Finding[];
  let reason: string;
  try {
    await deps.store.putFindings(findings, { signal: budget.writes });
    return { stored: findings.length, spilled: 0 };
  } catch (error) {
    unwritten = error instanceof FindingsNotStoredError ? error.unwritten : findings;
    reason = String((error as Error)?.message ?? error);
    deps.logger.warn('findings not stored; spilling them', { unwritten: unwritten.length, error });
  }
  const stored = findings.length - unwritten.length;
  try {
    if (!deps.spill) throw new Error('no spill queue configured');
    await deps.spill.spill(unwritten, { reason, signal: budget.spill() });
  } catch (error) {
    const lost = error instanceof FindingsNotSpilledError ? error.unsent : unwritten;
    emitCount(deps.logger, deps.metrics, OPERATIONAL_METRICS.findingsLost, lost.length, 'findings lost', {
      // The only copy left: a human can replay them from here (netprobe replay reads these findings).
      findings: lost,
      error,
    });
    throw new FindingsLostError(lost.length, findings.length, error);
  }
  emitCount(
    deps.logger,
    deps.metrics,
    OPERATIONAL_METRICS.findingsSpilled,
    unwritten.length,
    'findings spilled',
    {
      reason,
    },
  );
  return { stored, spilled: unwritten.length };
}
