/**
 * Where the CLI writes. Every line goes through one scrubber that replaces known secret values
 * (the values of secret-looking `--header`s, URL passwords) with "[redacted]", whatever printed
 * them: a finding, a server's echo of the request, an error message. The probers already redact
 * what they know; this is the second wall, keyed on the actual secret values.
 */
import { REDACTED } from '../shared/probes/http-redact.ts';
import { colorsFor, type Paint, painter } from './format/style.ts';

export interface Sink {
  write(text: string): unknown;
}

export interface Output {
  /** One line (a newline is appended) on stdout. */
  out(line: string): void;
  /** One line on stderr. */
  err(line: string): void;
  /** Colors for stdout: on only for a TTY without NO_COLOR. */
  paint: Paint;
  /** Values to scrub from everything written from now on. */
  addSecrets(values: Iterable<string>): void;
  /**
   * Progress for a person watching: present only when stderr is a terminal. Callers also leave it
   * alone with --json (docs/cli.md "Progress").
   */
  progress?: Progress;
}

export interface Progress {
  /**
   * Scrubs and terminates `line` now and returns the one write that prints it. Callers fire it only
   * while no probe is timed (before a check's clock starts; `run` through runMonitors' onFinding).
   */
  prepare(line: string): () => void;
}

/** Shorter values would scrub ordinary words out of the output ("on", "1") and protect nothing. */
const MIN_SECRET_LENGTH = 4;

/** `progress`: stderr is a terminal, so progress lines are wanted there. */
export function createOutput(stdout: Sink, stderr: Sink, color: boolean, progress = false): Output {
  const secrets = new Set<string>();
  const scrub = (text: string): string => {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...secrets].sort((a, b) => b.length - a.length))
      out = out.replaceAll(secret, REDACTED);
    return out;
  };
  return {
    out: (line) => stdout.write(`${scrub(line)}\n`),
    err: (line) => stderr.write(`${scrub(line)}\n`),
    paint: painter(color),
    ...(progress && {
      progress: {
        prepare(line) {
          const text = `${scrub(line)}\n`;
          return () => stderr.write(text);
        },
      },
    }),
    addSecrets(values) {
      for (const value of values) {
        if (value.length < MIN_SECRET_LENGTH) continue;
        secrets.add(value);
        // As it appears inside JSON output when it holds quotes, backslashes or control characters.
        secrets.add(JSON.stringify(value).slice(1, -1));
      }
    },
  };
}

export function processOutput(): Output {
  return createOutput(
    process.stdout,
    process.stderr,
    colorsFor(process.stdout),
    process.stderr.isTTY === true,
  );
}
