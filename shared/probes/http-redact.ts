/**
 * Secrets never leave the prober: header values and URL parts that look like credentials are replaced
 * before anything is put in a result, a message or a log line. Results are stored in DynamoDB, printed by
 * the CLI and sent in SNS escalations, so over-redacting is the safe failure.
 */

export const REDACTED = '[redacted]';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
/** Names that smell like credentials: x-auth-token, x-amz-security-token, api_key, client_secret, password… */
const SECRET_NAME = /token|secret|key|auth|passw|signature|credential/i;

/** HTTP/2's Host (`:authority`): "auth" in its name, but it holds the host, never a credential. */
const AUTHORITY = ':authority';

export function isSecretName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower !== AUTHORITY && (SECRET_HEADERS.has(lower) || SECRET_NAME.test(name));
}

/** Headers whose value is a URL: a redirect can carry a token in its query string. */
const URL_HEADERS = new Set(['location', 'content-location']);

/** Lower-cased names, repeated values joined as HTTP does (", "), secret values replaced. */
export function redactHeaders(
  headers: Record<string, string | string[] | number | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    out[key] = isSecretName(key) ? REDACTED : URL_HEADERS.has(key) ? redactUrl(text) : text;
  }
  return out;
}

/**
 * The URL (absolute, or a relative reference such as a Location "/next?token=…") with a userinfo
 * password and secret-looking query values replaced. Returned verbatim when there is nothing to hide,
 * so targets stay exactly as the user wrote them.
 */
export function redactUrl(raw: string): string {
  const hashAt = raw.indexOf('#');
  const beforeHash = hashAt === -1 ? raw : raw.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const path = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  // Worked on the string rather than through URL setters, which would percent-encode "[redacted]" and
  // normalise the rest of what the user wrote.
  const base = path.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@]*?:)[^/@]*@/i, `$1${REDACTED}@`);
  const query = queryAt === -1 ? '' : `?${redactPairs(beforeHash.slice(queryAt + 1))}`;
  // Fragments never reach the server but do appear in Location headers (#access_token=… in OAuth).
  const hash = hashAt === -1 ? '' : `#${redactPairs(raw.slice(hashAt + 1))}`;
  return `${base}${query}${hash}`;
}

/** `a=1&token=x` → `a=1&token=[redacted]`; anything else is returned as is. */
function redactPairs(text: string): string {
  return text
    .split('&')
    .map((pair) => {
      const name = pair.split('=')[0] ?? '';
      return pair.includes('=') && isSecretName(safeDecode(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
