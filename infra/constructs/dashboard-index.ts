import { Dashboard, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { DASHBOARD_NAME } from '../naming.ts';

/** One monitors dashboard as the index lists it. */
export interface DashboardEntry {
  readonly name: string;
  /** Ids of the monitors it shows, in config order. */
  readonly monitors: readonly string[];
}

export interface DashboardIndexProps {
  readonly dashboards: readonly DashboardEntry[];
}

/** Characters of markdown per text widget kept well inside what the console renders. */
const MARKDOWN_PER_WIDGET = 8_000;

/**
 * `netprobe`, the dashboard pages and the lab link to: an index of the monitors dashboards (one per
 * page of each monitors stack), each line a link with the monitors it shows.
 */
export class DashboardIndex extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: DashboardIndexProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: DASHBOARD_NAME });
    const lines = props.dashboards.map(({ name, monitors }) => {
      const range = monitors.length > 1 ? `${monitors[0]} … ${monitors.at(-1)}` : (monitors[0] ?? '');
      return `- [${name}](#dashboards/dashboard/${name}): ${monitors.length} monitor(s), ${range}`;
    });
    const texts: string[] = [];
    for (const line of ['# netprobe dashboards', ...lines]) {
      const last = texts.at(-1);
      if (last !== undefined && last.length + line.length < MARKDOWN_PER_WIDGET)
        texts[texts.length - 1] = `${last}\n${line}`;
      else texts.push(line);
    }
    for (const markdown of texts) {
      this.dashboard.addWidgets(
        new TextWidget({ markdown, width: 24, height: Math.min(2 + markdown.split('\n').length, 100) }),
      );
    }
  }
}
