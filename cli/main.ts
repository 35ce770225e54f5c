/**
 * The `netprobe` command line: verbs, flags and exit codes (docs/cli.md). Commands are imported
 * lazily so `netprobe check` never pays for the AWS SDK or the lab's servers.
 *
 * Every user error ends as `netprobe: <what and where>` on stderr with exit code 2, never a stack trace.
 */
import { Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { ConfigError } from '../shared/config/errors.ts';
import { EXIT, UsageError } from './exit.ts';
import { type Output, processOutput } from './output.ts';
import { argvSecrets } from './secrets.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const HELP = new Help();
const FAIL_ON = new Option(
  '--fail-on <status>',
  'exit 1 when a finding is this status or worse: down, or degraded (for scripts)',
)
  .choices(['down', 'degraded'])
  .default('down');

/** Runs the CLI and resolves to its exit code; `argv` without the node and script entries. */
export async function main(args: string[], output: Output = processOutput()): Promise<number> {
  output.addSecrets(argvSecrets(args));
  let code: number = EXIT.ok;
  const program = buildProgram(output, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return code;
  } catch (err) {
    return reportError(err, output);
  }
}

function reportError(err: unknown, output: Output): number {
  // Commander already printed its message ("error: unknown option '--x'"); help and --version exit 0.
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof UsageError || err instanceof ConfigError) {
    for (const line of err.message.split('\n')) output.err(`netprobe: ${line}`);
    return EXIT.usage;
  }
  // Not the user's fault: say so, with the stack, since this is a netprobe bug to report.
  output.err(`netprobe: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return EXIT.down;
}

function buildProgram(output: Output, setExit: (code: number) => void): Command {
  const program = new Command('netprobe')
    .description(
      'Synthetic network monitor: DNS, TCP and HTTP probes with phase timings and layered diagnosis.',
    )
    .version(pkg.version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.out(text.replace(/\n$/, '')),
      writeErr: (text) => output.err(text.replace(/\n$/, '')),
    })
    .showHelpAfterError('(see netprobe --help)')
    // A repeatable flag starts from [] so its values collect; "(default: [])" would only be noise.
    .configureHelp({
      optionDescription: (option) => HELP.optionDescription(option).replace(/ \(default: \[\]\)$/, ''),
    });

  program
    .command('check')
    .summary('probe one URL now, from this machine')
    .description(
      'Probe one target now. The URL scheme picks the probe:\n' +
        '  dns://[server[:port]]/name?type=A[&mode=authoritative]   (no server: the system resolver)\n' +
        '  tcp://host:port    tls://host:port    http://…    https://…',
    )
    .argument('<url>', 'target URL')
    .option('--timeout <duration>', 'hard deadline for the whole probe (e.g. 2s, 1500ms; default 10s)')
    .option(
      '--max-latency <[phase=]duration>',
      'degraded above this latency: total (300ms) or one phase (ttfb=200ms); repeatable',
      collect,
      [],
    )
    .option('--insecure', 'do not verify the TLS certificate (it is still reported)')
    .option('--ca <file>', 'PEM bundle of extra CA certificates to trust')
    .option('--servername <name>', 'TLS server name (SNI) to send and verify; default: the URL host')
    .option('--cert-warn-days <n>', 'degraded when the certificate expires within n days (default 21)')
    .option('-X, --method <method>', 'HTTP method (default GET, or POST with --data)')
    .option(
      '-H, --header <header>',
      "request header 'Name: value'; repeatable; secret values never printed",
      collect,
      [],
    )
    .option('-d, --data <body>', 'request body')
    .option('--max-redirects <n>', 'redirects to follow (default 5)')
    .option(
      '--expect-status <codes>',
      'accepted status codes: 200, 2xx, 200-299, 200,301-302 (default 200-399)',
    )
    .option('--expect-body <text>', 'body must contain text; repeatable', collect, [])
    .option('--expect-header <name:value>', 'response header must contain value; repeatable', collect, [])
    .option(
      '--expect-json <path=value>',
      'JSON value at path must equal value ($.status=ok); repeatable',
      collect,
      [],
    )
    .option(
      '--expect-answer <value>',
      'DNS answer that must be present (exact, or /regex/); repeatable',
      collect,
      [],
    )
    .option('--expect-rcode <rcode>', 'expected DNS rcode (default NOERROR)')
    .option('--min-ttl <seconds>', 'every DNS answer TTL must be at least this')
    .option('--send <text>', 'TCP: write this after connecting')
    .option('--expect-banner <text>', 'TCP: what the server sends must contain text')
    .option('--all-addresses', 'TCP, HTTP: probe every resolved address, not only the first')
    .option(
      '--partial <down|degraded>',
      'with --all-addresses: what one failing address makes (default down)',
    )
    .option('--json', 'print the finding as one line of JSON')
    .option('--no-triage', 'skip the layered triage that runs after a failure')
    .addOption(FAIL_ON)
    .showHelpAfterError('(see netprobe check --help)')
    .action(async (url: string, flags) => {
      const { checkCommand } = await import('./commands/check.ts');
      setExit(await checkCommand(url, flags, output));
    });

  program
    .command('run')
    .summary('run every configured monitor once, from this machine')
    .option('-c, --config <file>', 'monitors config (.ts or .json); default ./monitors.config.ts')
    .addOption(
      new Option('--concurrency <n>', 'probes in flight at once (default: from the config)').argParser(
        positiveInt,
      ),
    )
    .option('--json', 'print one JSON finding per line (NDJSON)')
    .addOption(FAIL_ON)
    .showHelpAfterError('(see netprobe run --help)')
    .action(async (flags) => {
      const { runCommand } = await import('./commands/run.ts');
      setExit(await runCommand(flags, output));
    });

  program
    .command('replay')
    .summary('dry-run the escalation policy over recorded findings')
    .requiredOption('--findings <file>', 'NDJSON findings, as printed by `netprobe run --json`')
    .option('-c, --config <file>', 'monitors config with the escalation table; default ./monitors.config.ts')
    .option('--json', 'print one JSON notification per line')
    .showHelpAfterError('(see netprobe replay --help)')
    .action(async (flags) => {
      const { replayCommand } = await import('./commands/replay.ts');
      setExit(await replayCommand(flags, output));
    });

  program
    .command('lab')
    .summary('start a local lab of targets on 127.0.0.1, probe them, print the findings (npm start)')
    .option('--json', 'print one JSON finding per line (NDJSON) instead of the report')
    .option('--verbose', "print every metric datum and every page's full SNS message")
    .showHelpAfterError('(see netprobe lab --help)')
    .action(async (flags) => {
      const { labCommand } = await import('./commands/lab.ts');
      setExit(await labCommand(flags, output));
    });

  return program;
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a whole number ≥ 1');
  return Number(value);
}
