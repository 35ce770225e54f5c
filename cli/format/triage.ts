/**
 * The layered triage behind a diagnosis, one line per check, bottom layer first: what a responder
 * would otherwise retype by hand (dig, nc -z, openssl s_client) before acting on the sentence.
 */
import type { Finding } from '../../shared/domain/finding.ts';
import type { TriageStep } from '../../shared/probes/types.ts';
import { formatMs } from './findings.ts';
import { type Paint, STATUS_STYLE } from './style.ts';
import { renderTable } from './table.ts';

export function triageLines(finding: Finding, paint: Paint): string[] {
  if (finding.triageSkipped !== undefined) {
    return [`  ${paint('bold', 'triage')} ${paint('dim', `skipped: ${finding.triageSkipped}`)}`];
  }
  const steps = finding.triage ?? [];
  if (steps.length === 0) return [];
  const table = renderTable(
    [
      { header: 'LAYER' },
      { header: 'CHECK' },
      { header: 'STATUS' },
      { header: 'MS', align: 'right' },
      { header: 'RESULT' },
    ],
    steps.map((step) => [
      step.layer,
      step.check,
      { text: step.status, style: STATUS_STYLE[step.status] },
      formatMs(step.ms),
      outcome(step),
    ]),
    paint,
  );
  return [`  ${paint('bold', 'triage')}`, ...table.map((line) => `    ${line}`)];
}

function outcome(step: TriageStep): string {
  if (step.error) return `${step.error.code}: ${step.error.message}`;
  const parts: string[] = [];
  if (step.addresses?.length) parts.push(step.addresses.join(', '));
  if (step.server) parts.push(`via ${step.server}`);
  if (step.attempts?.length) {
    parts.push(
      step.attempts
        .map((a) => `${a.address}:${a.port} ${a.error?.code ?? `${formatMs(a.connectMs)} ms`}`)
        .join(', '),
    );
  }
  if (step.tls)
    parts.push(
      [step.tls.protocol, step.tls.authorized ? 'trusted' : 'not trusted'].filter(Boolean).join(' '),
    );
  return parts.join('; ') || step.target;
}
