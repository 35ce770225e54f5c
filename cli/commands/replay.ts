/**
 * `netprobe replay --findings <file.ndjson>`: the escalation policy dry-run. Feeds a recorded
 * timeline (the `netprobe run --json` shape) through the escalation engine on a simulated clock and
 * prints every notification it would send: a table, or one JSON object per line with --json.
 */
import { access } from 'node:fs/promises';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from '../../shared/config/load.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import type { ReplayLine, VantageLine } from '../../shared/domain/replay.ts';
import { EXIT, UsageError } from '../exit.ts';
import { notificationsTable, replaySummary } from '../format/notifications.ts';
import type { Output } from '../output.ts';
import { replayFile } from '../replay-file.ts';

export interface ReplayFlags {
  findings: string;
  config?: string;
  json?: boolean;
}

export async function replayCommand(flags: ReplayFlags, output: Output): Promise<number> {
  const config = await replayConfig(flags.config, output);
  const { lines, notices, extent } = await replayFile(flags.findings, config).catch((err: unknown) => {
    // Too long a span for the simulation: the file's fault, said as such.
    if (err instanceof RangeError) throw new UsageError(`--findings ${flags.findings}: ${err.message}`);
    throw err;
  });
  if (flags.json) {
    // Exactly the documented keys, in the documented order.
    for (const l of inTimeOrder(lines, notices)) output.out(JSON.stringify('location' in l ? l : pick(l)));
    return EXIT.ok;
  }
  // Not pages: the operators hear that a probe region's failures are not counted.
  for (const n of notices) output.out(`${n.at}  ${n.kind} probe region ${n.location} → ${n.team}`);
  if (lines.length > 0 && extent.first !== null) {
    for (const line of notificationsTable(lines, extent.first, output.paint)) output.out(line);
    output.out('');
  }
  output.out(replaySummary(lines, extent));
  return EXIT.ok;
}

/** Pages and vantage notices merged by time; a notice first at the same instant (the engine sends it first). */
function inTimeOrder(
  lines: readonly ReplayLine[],
  notices: readonly VantageLine[],
): (ReplayLine | VantageLine)[] {
  const merged: (ReplayLine | VantageLine)[] = [];
  let n = 0;
  for (const line of lines) {
    while (n < notices.length && (notices[n] as VantageLine).at <= line.at)
      merged.push(notices[n++] as VantageLine);
    merged.push(line);
  }
  return [...merged, ...notices.slice(n)];
}

function pick(l: ReplayLine): ReplayLine {
  return {
    at: l.at,
    kind: l.kind,
    team: l.team,
    issueType: l.issueType,
    scope: l.scope,
    monitorId: l.monitorId,
    incidentId: l.incidentId,
    locations: l.locations,
  };
}

/**
 * --config, else ./monitors.config.ts when there is one, else the built-in defaults (the guide's
 * escalation table; monitors inferred from the findings), said on stderr so it is never a surprise.
 */
async function replayConfig(path: string | undefined, output: Output): Promise<NetprobeConfig> {
  if (path !== undefined) return loadConfig(path);
  if (await exists(DEFAULT_CONFIG_PATH)) return loadConfig(DEFAULT_CONFIG_PATH);
  output.err(
    `netprobe: no --config and no ${DEFAULT_CONFIG_PATH} here: replaying with the default escalation table`,
  );
  // The schema owns the defaults (table, confirmation rule, classification); a config with no
  // monitors yields exactly them. The region only satisfies the schema: replay never uses it.
  return parseConfig({ homeRegion: 'us-east-1', regions: ['us-east-1'], monitors: [] }, 'built-in defaults');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
