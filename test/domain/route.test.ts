import { describe, expect, it } from 'vitest';
import { DEFAULT_ESCALATION_TABLE } from '../../shared/domain/escalation-table.ts';
import { certificateIssueType, possibleIssueTypes, routeFor } from '../../shared/domain/route.ts';

const http = { probe: { kind: 'http' as const }, cdn: false };
const tcp = { probe: { kind: 'tcp' as const }, cdn: false };
const dns = { probe: { kind: 'dns' as const }, cdn: false };

describe('the route: table row and the types an alarm stands for', () => {
  it('routes a type to the table row, the monitor’s own team replacing the table’s', () => {
    expect(routeFor('dns', {}, DEFAULT_ESCALATION_TABLE)).toEqual(DEFAULT_ESCALATION_TABLE.dns);
    expect(routeFor('tcp', { team: 'db-team' }, DEFAULT_ESCALATION_TABLE)).toEqual({
      ...DEFAULT_ESCALATION_TABLE.tcp,
      team: 'db-team',
    });
  });

  it.each([
    [http, { kind: 'down' } as const, ['dns', 'connectivity', 'tcp', 'cdn']],
    [{ ...http, cdn: true }, { kind: 'down' } as const, ['dns', 'connectivity', 'cdn']],
    [tcp, { kind: 'down' } as const, ['dns', 'connectivity', 'tcp']],
    [dns, { kind: 'down' } as const, ['dns']],
    [http, { kind: 'slow', phase: 'dns' } as const, ['dns']],
    [http, { kind: 'slow', phase: 'ttfb' } as const, ['tcp', 'cdn']],
    [tcp, { kind: 'slow', phase: 'connect' } as const, ['tcp']],
  ])('a failure of %o (%o) can be classified as %o', (monitor, failure, types) => {
    expect(possibleIssueTypes(monitor, failure, 'connectivity').sort()).toEqual([...types].sort());
  });

  it('an expiring certificate is typed as classify() types it: cdn when CDN-fronted, else tcp', () => {
    expect(certificateIssueType({ cdn: true })).toBe('cdn');
    expect(certificateIssueType({ cdn: false })).toBe('tcp');
  });
});
