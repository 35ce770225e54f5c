/**
 * Pages as SNS would deliver them, for a terminal: per page, when (+ time since the incident's first
 * failing run, so a page shows its table time), the
 * kind and the team's topic, the Subject, the MessageAttributes subscribers filter on, and the
 * diagnosis; the Message JSON of the first page only (of every page with `all`), since five copies
 * of the same shape drown what differs between them.
 */
import type { LabPage } from '../../shared/lab/pages.ts';
import { formatOffset } from './notifications.ts';
import type { Paint } from './style.ts';

export interface PagesFormat {
  /** The Message JSON of every page instead of the first one's only. */
  allMessages: boolean;
}

export function pagesReport(pages: readonly LabPage[], paint: Paint, format: PagesFormat): string[] {
  const out: string[] = [];
  const messageOf = (page: LabPage, indent: string) =>
    (page.publish.Message ?? '').split('\n').map((line) => `${indent}${line}`);
  const offsets = pages.map((p) =>
    formatOffset(Date.parse(p.notification.at) - Date.parse(p.notification.firstSeen)),
  );
  const width = Math.max(0, ...offsets.map((o) => o.length));
  pages.forEach((page, i) => {
    const { notification: n, publish } = page;
    const indent = ' '.repeat(width + 2);
    const kind = n.kind === 'escalate' ? paint(['red', 'bold'], n.kind) : paint('green', n.kind);
    const topic = publish.TopicArn?.split(':').pop() ?? n.team;
    const attributes = Object.entries(publish.MessageAttributes ?? {})
      .map(([name, value]) => `${name}=${value.StringValue}`)
      .join(' ');
    out.push(`  ${(offsets[i] ?? '').padStart(width)}  ${kind} → SNS topic ${topic}`);
    out.push(`  ${indent}Subject: ${publish.Subject}`);
    out.push(`  ${indent}${paint('dim', `MessageAttributes: ${attributes}`)}`);
    if (n.diagnosis) out.push(`  ${indent}${paint('dim', '↳')} ${n.diagnosis}`);
    if (format.allMessages) out.push(`  ${indent}Message:`, ...messageOf(page, `  ${indent}  `));
  });
  const [first] = pages;
  if (first && !format.allMessages) {
    out.push('');
    out.push(`  Message of the first page, the JSON body SNS delivers (--verbose prints every page's):`);
    out.push(...messageOf(first, '    '));
  }
  return out;
}
