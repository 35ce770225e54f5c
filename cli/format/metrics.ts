/**
 * The metric datums of a run, condensed for a terminal: one line per monitor with the value of each
 * per-run metric (`Up=1 Latency=119.2ms CertDaysRemaining=89`) and a count of the per-phase ones
 * (`(+5 PhaseLatency)`), instead of one line per datum.
 */
import { DIMENSIONS } from '../../shared/domain/metrics.ts';
import type { MetricDatum } from '../../shared/ports/metrics.ts';
import type { Paint } from './style.ts';

function formatValue(d: MetricDatum): string {
  return d.unit === 'Milliseconds' ? `${d.value.toFixed(1)}ms` : String(d.value);
}

/** Monitors and metric names in the order the datums list them (metricDatums: Up, Latency, …). */
export function metricsSummary(datums: readonly MetricDatum[], paint: Paint): string[] {
  const byMonitor = new Map<string, { values: string[]; perPhase: Map<string, number> }>();
  for (const d of datums) {
    const monitor = d.dimensions[DIMENSIONS.monitor] ?? '?';
    const entry = byMonitor.get(monitor) ?? { values: [], perPhase: new Map<string, number>() };
    byMonitor.set(monitor, entry);
    if (d.dimensions[DIMENSIONS.phase] !== undefined) {
      entry.perPhase.set(d.name, (entry.perPhase.get(d.name) ?? 0) + 1);
    } else {
      entry.values.push(`${d.name}=${formatValue(d)}`);
    }
  }
  const width = Math.max(0, ...[...byMonitor.keys()].map((id) => id.length));
  return [...byMonitor].map(([monitor, { values, perPhase }]) => {
    const counts = [...perPhase].map(([name, n]) => paint('dim', `(+${n} ${name})`));
    return [`${monitor.padEnd(width)} `, ...values, ...counts].join(' ').trimEnd();
  });
}
