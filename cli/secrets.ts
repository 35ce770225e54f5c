/**
 * Secret values found on the command line, collected before commander parses anything, so that even
 * a parse error that echoes an argument cannot print them.
 */
import { headerSecrets } from './check-flags.ts';

const HEADER_FLAGS = new Set(['-H', '--header']);

export function argvSecrets(args: readonly string[]): string[] {
  const headers: string[] = [];
  const secrets: string[] = [];
  args.forEach((arg, i) => {
    const next = args[i + 1];
    if (HEADER_FLAGS.has(arg) && next !== undefined) headers.push(next);
    else if (arg.startsWith('--header=')) headers.push(arg.slice('--header='.length));
    else if (arg.startsWith('-H') && arg.length > 2) headers.push(arg.slice(2));
    secrets.push(...urlPassword(arg));
  });
  return [...secrets, ...headerSecrets(headers)];
}

/** The userinfo password of a URL argument (https://user:pass@host/), raw and decoded. */
function urlPassword(arg: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(arg) || !URL.canParse(arg)) return [];
  const { password } = new URL(arg);
  if (password === '') return [];
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // Not valid percent-encoding: the raw form is all there is.
  }
  return decoded === password ? [password] : [password, decoded];
}
