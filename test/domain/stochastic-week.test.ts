/**
 * Issue 14's "Done when": the replay of a seeded, noisy 7-day timeline pages nobody for noise, pages
 * every real outage once, to the table's team, within one interval of its table time (the one-region
 * outage with scope regional), and resolves each once.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import type { EscalationConfig } from '../../shared/domain/escalation.ts';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import { type ReplayLine, replay } from '../../shared/domain/replay.ts';
import { FIVE_REGIONS, MINUTE_MS, T0 } from '../fixtures/runs.ts';
import {
  REGIONAL_OUTAGE,
  type RealOutage,
  stochasticWeek,
  WEEK_MONITORS,
} from '../fixtures/stochastic-week.ts';

const CONFIG: EscalationConfig = {
  escalation: DEFAULT_ESCALATION_TABLE,
  confirmation: { minLocations: 2, consecutiveRuns: 2, regional: { consecutiveRuns: 5 } },
  classification: { allLocationsDown: 'connectivity' },
  monitors: [...WEEK_MONITORS.map((m) => m.id), REGIONAL_OUTAGE.monitorId].map((id) => ({
    id,
    intervalMinutes: 1,
    cdn: WEEK_MONITORS.find((m) => m.id === id)?.cdn ?? false,
    regions: [...FIVE_REGIONS],
  })),
};

const minuteOf = (iso: string) => (Date.parse(iso) - T0) / MINUTE_MS;

describe('a stochastic, noisy 7-day timeline (seeded)', () => {
  it.each([1, 2])(
    'seed %i: noise pages nobody; every real outage is paged once at its table time and resolved once',
    async (seed) => {
      const week = stochasticWeek(seed, DEFAULT_ESCALATION_TABLE);
      const lines = await replay(week.findings, CONFIG, { store: new MemoryStore() });

      const escalates = lines.filter((l) => l.kind === 'escalate');
      const resolves = lines.filter((l) => l.kind === 'resolve');
      const pageOf = (o: RealOutage) =>
        escalates.filter(
          (l) => l.monitorId === o.monitorId && minuteOf(l.at) >= o.from && minuteOf(l.at) < o.to + 2,
        );
      const matched = new Set(week.outages.flatMap((o) => pageOf(o)));
      const noisePages = escalates.filter((l) => !matched.has(l));
      const late = week.outages.map((o) => {
        const [page] = pageOf(o) as [ReplayLine | undefined];
        return page === undefined
          ? Number.NaN
          : minuteOf(page.at) - o.from - CONFIG.escalation[o.issueType].escalateAfterMinutes;
      });
      const figures = {
        seed,
        findings: week.findings.length,
        oneRunFailures: week.noise.oneRunFailures,
        blips: week.noise.blips,
        realOutages: week.outages.length,
        pagedOnce: week.outages.filter((o) => pageOf(o).length === 1).length,
        noisePages: noisePages.length,
        maxMinutesPastTableTime: Math.max(...late),
        resolves: resolves.length,
      };
      console.log(`stochastic week ${JSON.stringify(figures)}`);

      expect(noisePages).toEqual([]);
      for (const outage of week.outages) {
        const pages = pageOf(outage);
        expect(pages, `${outage.monitorId} ${outage.issueType} from minute ${outage.from}`).toHaveLength(1);
        const page = pages[0] as ReplayLine;
        expect(page).toMatchObject({
          team: CONFIG.escalation[outage.issueType].team,
          issueType: outage.issueType,
          scope: outage.scope,
        });
        if (outage.scope === 'regional') expect(page.locations).toEqual(outage.locations);
        // Within one interval (1 min) of its table time, counted from the first failing run.
        const past =
          minuteOf(page.at) - outage.from - CONFIG.escalation[outage.issueType].escalateAfterMinutes;
        expect(past).toBeGreaterThanOrEqual(0);
        expect(past).toBeLessThanOrEqual(1 + 1 / 60);
        const resolved = resolves.filter((l) => l.incidentId === page.incidentId);
        expect(resolved).toHaveLength(1);
        expect(minuteOf((resolved[0] as ReplayLine).at)).toBeGreaterThanOrEqual(outage.to);
      }
      expect(resolves).toHaveLength(escalates.length);
    },
    300_000,
  );
});
