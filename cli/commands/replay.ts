/**
 * `netprobe replay --findings <file.ndjson>`: the escalation policy dry-run. Feeds a recorded
 * timeline (the `netprobe run --json` shape) through the escalation engine on a simulated clock and
 * prints every notification it would send: a table, or one JSON object per line with --json.
 */
import { access, readFile } from 'node:fs/promises';
import { MemoryStore } from '../../shared/adapters/memory-store.ts';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from '../../shared/config/load.ts';
import type { NetprobeConfig } from '../../shared/config/types.ts';
import type { Finding } from '../../shared/domain/finding.ts';
import {
  FindingsFileError,
  type ReplayLine,
  readNdjsonFindings,
  replay,
} from '../../shared/domain/replay.ts';
import { EXIT, UsageError } from '../exit.ts';
import { notificationsTable, replaySummary, timelineOrigin } from '../format/notifications.ts';
import type { Output } from '../output.ts';

export interface ReplayFlags {
  findings: string;
  config?: string;
  json?: boolean;
}

export async function replayCommand(flags: ReplayFlags, output: Output): Promise<number> {
  const findings = await readFindings(flags.findings);
  const config = await replayConfig(flags.config, output);
  const lines = await replay(findings, config, { store: new MemoryStore() });
  if (flags.json) {
    // Exactly the documented keys, in the documented order.
    for (const l of lines) output.out(JSON.stringify(pick(l)));
    return EXIT.ok;
  }
  if (lines.length > 0) {
    for (const line of notificationsTable(lines, timelineOrigin(findings), output.paint)) output.out(line);
    output.out('');
  }
  output.out(replaySummary(lines, findings));
  return EXIT.ok;
}

function pick(l: ReplayLine): ReplayLine {
  return {
    at: l.at,
    kind: l.kind,
    team: l.team,
    issueType: l.issueType,
    monitorId: l.monitorId,
    incidentId: l.incidentId,
    locations: l.locations,
  };
}

async function readFindings(path: string): Promise<Finding[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new UsageError(`--findings ${path}: ${reason}`);
  }
  try {
    return readNdjsonFindings(text);
  } catch (err) {
    if (err instanceof FindingsFileError) throw new UsageError(`--findings ${path}: ${err.message}`);
    throw err;
  }
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
