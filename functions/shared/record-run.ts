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

/** The number of reports recorded; 0 (and the error logged) when the store refused them. */
export async function recordRun(
  findings: readonly Finding[],
  key: string,
  store: Store,
  logger: Logger,
): Promise<number> {
  const reports = runReports(findings, () => key);
  try {
    await Promise.all(reports.map((report) => store.recordRunReport(report)));
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
