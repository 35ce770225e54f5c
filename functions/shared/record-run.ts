/**
 * After a runner has persisted its findings: its part of the run index the escalator decides a sick
 * probe region from (docs/escalation.md, "A sick probe region"). One report per location and run of
 * the batch, keyed by the shard, so a retried shard replaces its report: about one write (two
 * items) per shard and region a minute, not one per finding.
 */
import type { Finding } from '../../shared/domain/finding.ts';
import { runReports } from '../../shared/domain/vantage.ts';
import type { Store } from '../../shared/ports/store.ts';
import type { Logger } from './logger.ts';

/**
 * The number of reports recorded; 0 (and why logged) when the store refused them or `signal` (the
 * writes' budget) ran out.
 */
export async function recordRun(
  findings: readonly Finding[],
  key: string,
  deps: { store: Store; logger: Logger },
  signal: AbortSignal,
): Promise<number> {
  const { store, logger } = deps;
  const reports = runReports(findings, () => key);
  if (reports.length > 0 && signal.aborted) {
    // The findings took the writes' whole budget (they went to the spill queue): the invocation must end.
    logger.warn('run report not recorded: no time left after the findings', { key });
    return 0;
  }
  try {
    await Promise.all(reports.map((report) => store.recordRunReport(report, { signal })));
    return reports.length;
  } catch (error) {
    // The findings are stored: only the impairment rule misses this shard's monitors for the run.
    logger.error('run report not recorded: these monitors count for nothing in the sick-region rule', {
      key,
      error,
    });
    return 0;
  }
}
