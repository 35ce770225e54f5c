/**
 * Reading a timeline for `netprobe replay --findings`: NDJSON, one finding per line, either the full
 * shape `netprobe run --json` prints or the few fields a person writes by hand (docs/cli.md). Every
 * bad line is reported with its number (up to MAX_REPORTED_BAD_LINES), not only the first.
 */
import * as z from 'zod';
import { NetprobeError } from '../errors.ts';
import { ERROR_CODES, LAYERS, PROBE_KINDS, STATUSES } from '../probes/types.ts';
import { layerOf } from './classify.ts';
import { type Finding, ISSUE_TYPES } from './finding.ts';
import { classify } from './route.ts';

/** At most this many bad lines are reported, each with its number; the rest are counted. */
export const MAX_REPORTED_BAD_LINES = 20;

export interface BadLine {
  /** 1-based. */
  line: number;
  message: string;
}

/**
 * A findings file with lines that are not findings: every bad line up to MAX_REPORTED_BAD_LINES, each
 * as `line N: <field>: <what is wrong>`, then how many more there were. `line` is the first bad one.
 */
export class FindingsFileError extends NetprobeError {
  override name = 'FindingsFileError';
  readonly line: number;
  readonly badLines: readonly BadLine[];
  constructor(badLines: readonly BadLine[], total = badLines.length) {
    const shown = badLines.slice(0, MAX_REPORTED_BAD_LINES);
    const more = total - shown.length;
    const text = shown.map((b) => `line ${b.line}: ${b.message}`);
    if (more > 0) text.push(`… and ${more} more bad line${more === 1 ? '' : 's'}`);
    super('findings_file_invalid', text.join('\n'));
    this.line = shown[0]?.line ?? 0;
    this.badLines = shown;
  }
}

/** Collects the bad lines of a file as it is read, and throws them together at the end. */
export class BadLines {
  readonly #lines: BadLine[] = [];
  #total = 0;

  add(error: FindingsFileError): void {
    this.#total += error.badLines.length;
    for (const b of error.badLines) if (this.#lines.length < MAX_REPORTED_BAD_LINES) this.#lines.push(b);
  }

  /** Throws every bad line seen, if any. */
  check(): void {
    if (this.#total > 0) throw new FindingsFileError(this.#lines, this.#total);
  }
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const isoInstant = z
  .string()
  .regex(ISO_INSTANT, 'expected an ISO-8601 timestamp with zone')
  .refine((s) => Number.isFinite(Date.parse(s)), 'not a real date');

/**
 * A finding as a person can write it: monitorId, location, startedAt, status, and error.code when
 * not up. Everything else a full finding (`netprobe run --json`) carries is accepted and checked, and
 * filled in when absent: the layer and the issue type from the code, the probe kind `http`.
 */
export const findingSchema = z
  .looseObject({
    monitorId: z.string().min(1),
    location: z.string().min(1),
    startedAt: isoInstant,
    status: z.enum(STATUSES),
    probe: z.enum(PROBE_KINDS).optional(),
    target: z.string().optional(),
    timings: z.looseObject({ total: z.number().nonnegative() }).optional(),
    error: z
      .object({ code: z.enum(ERROR_CODES), message: z.string().optional() })
      .nullable()
      .optional(),
    layer: z.enum(LAYERS).nullable().optional(),
    details: z.looseObject({ kind: z.enum(PROBE_KINDS) }).optional(),
    issueType: z.enum(ISSUE_TYPES).nullable().optional(),
    diagnosis: z.string().nullable().optional(),
  })
  .refine((f) => f.status === 'up' || (f.error !== null && f.error !== undefined), {
    path: ['error', 'code'],
    message: 'required when status is not up (the issue type is derived from it)',
  });

type FindingInput = z.infer<typeof findingSchema>;

const oneOf = (values: readonly string[]) => {
  const set = new Set(values);
  return (v: unknown) => typeof v === 'string' && set.has(v);
};
const isStatus = oneOf(STATUSES);
const isProbeKind = oneOf(PROBE_KINDS);
const isErrorCode = oneOf(ERROR_CODES);
const isLayer = oneOf(LAYERS);
const isIssueType = oneOf(ISSUE_TYPES);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * findingSchema's verdict for the lines it accepts, without running it: true only when every field
 * it checks is absent or of the right type and value, so the schema would accept the value as it is
 * (it passes unknown keys through; an `error` with extra keys only loses them, and completeFinding
 * rebuilds `error` anyway). A false sends the line to the schema, which names what is wrong. A
 * replay of millions of lines otherwise spends most of its parsing in the schema.
 */
export function plainlyValid(v: unknown): v is FindingInput {
  if (!isRecord(v)) return false;
  const { monitorId, location, startedAt, status, timings, error, details, diagnosis } = v;
  if (typeof monitorId !== 'string' || monitorId === '' || typeof location !== 'string' || location === '')
    return false;
  if (
    typeof startedAt !== 'string' ||
    !ISO_INSTANT.test(startedAt) ||
    !Number.isFinite(Date.parse(startedAt))
  )
    return false;
  if (!isStatus(status)) return false;
  if (v.probe !== undefined && !isProbeKind(v.probe)) return false;
  if (v.target !== undefined && typeof v.target !== 'string') return false;
  if (timings !== undefined) {
    if (!isRecord(timings)) return false;
    const { total } = timings;
    if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) return false;
  }
  if (error !== undefined && error !== null) {
    if (!isRecord(error) || !isErrorCode(error.code)) return false;
    if (error.message !== undefined && typeof error.message !== 'string') return false;
  }
  if (v.layer !== undefined && v.layer !== null && !isLayer(v.layer)) return false;
  if (details !== undefined && !(isRecord(details) && isProbeKind(details.kind))) return false;
  if (v.issueType !== undefined && v.issueType !== null && !isIssueType(v.issueType)) return false;
  if (diagnosis !== undefined && diagnosis !== null && typeof diagnosis !== 'string') return false;
  return status === 'up' || (error !== undefined && error !== null);
}

/**
 * The monitors of the replayed config that are CDN-fronted (config `cdn: true`): a line of theirs with
 * no issueType is typed as the runner would type it (an HTTP_STATUS is `cdn`, not `tcp`).
 */
export type CdnMonitors = ReadonlySet<string>;
const NONE: CdnMonitors = new Set();

/** The full finding a line stands for (a full finding comes back as it was). */
export function completeFinding(input: FindingInput, cdnMonitors: CdnMonitors = NONE): Finding {
  const probe = input.probe ?? input.details?.kind ?? 'http';
  const error =
    input.status === 'up' || !input.error
      ? null
      : { code: input.error.code, message: input.error.message ?? input.error.code };
  const result = {
    probe,
    target: input.target ?? input.monitorId,
    status: input.status,
    timings: input.timings ?? { total: 0 },
    error,
    layer: input.layer ?? (error ? layerOf(error.code) : null),
    // A hand-written line has no details; classification only reads their kind (and CDN headers).
    details: (input.details ?? { kind: probe }) as unknown as Finding['details'],
  };
  return {
    ...input,
    ...result,
    monitorId: input.monitorId,
    location: input.location,
    startedAt: input.startedAt,
    issueType:
      input.issueType ?? classify(result, { cdn: cdnMonitors.has(input.monitorId), allLocationsDown: false }),
    diagnosis: input.diagnosis ?? null,
  } as Finding;
}

/** Parses findings NDJSON: one finding per line, blank lines skipped; every bad line reported at once. */
export function readNdjsonFindings(text: string, cdnMonitors: CdnMonitors = NONE): Finding[] {
  const findings: Finding[] = [];
  const bad = new BadLines();
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    try {
      const finding = parseFindingLine(line, index + 1, cdnMonitors);
      if (finding) findings.push(finding);
    } catch (error) {
      if (!(error instanceof FindingsFileError)) throw error;
      bad.add(error);
    }
  }
  bad.check();
  return findings;
}

/** One line of a findings file (1-based `lineNumber`, for the error): a finding, or null when blank. */
export function parseFindingLine(
  line: string,
  lineNumber: number,
  cdnMonitors: CdnMonitors = NONE,
): Finding | null {
  if (line.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new FindingsFileError([{ line: lineNumber, message: `not JSON (${(error as Error).message})` }]);
  }
  if (plainlyValid(value)) return completeFinding(value, cdnMonitors);
  const parsed = findingSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new FindingsFileError([
      { line: lineNumber, message: `${where}${issue?.message ?? 'not a finding'}` },
    ]);
  }
  return completeFinding(parsed.data, cdnMonitors);
}
