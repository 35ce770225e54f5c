/**
 * Each test/config/fixtures/invalid-*.json holds a config with one mistake; this table pairs it
 * with the exact message a user sees (blackbox_exporter's testdata/invalid-*.yml habit).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import { catchConfigError } from './catch-config-error.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

const EXPECTED: Record<string, string> = {
  'invalid-account.json': 'account: expected a 12-digit AWS account id',
  'invalid-allow-private-cidr.json':
    'allowPrivateTargets[1]: "10.0.0.0/33" is not a CIDR block (like 10.0.0.0/8 or fd00::/8)',
  'invalid-ca-file-name.json':
    'monitors[0].http.ca: expected PEM text (-----BEGIN CERTIFICATE----- …), not a file name',
  'invalid-cert-days.json': 'monitors[0].http.certCriticalDays: must not exceed certWarnDays (14)',
  'invalid-dns-record-type.json':
    'monitors[0].dns.type: expected one of A, AAAA, CNAME, MX, NS, TXT, SOA, CAA, PTR (got "AAAAA")',
  'invalid-dns-server.json': 'monitors[0].dns.server: port 0 out of range (1-65535)',
  'invalid-duplicate-monitor-id.json': 'monitors[2].id: duplicate id "api-health" (also monitors[0])',
  'invalid-duplicate-region.json': 'regions[2]: duplicate region "us-east-1"',
  'invalid-escalation-override.json': [
    'escalation.cdn.escalateAfterMinutes: expected 0-10080',
    'escalation.cdn.severity: expected one of critical, high, medium, low (got "urgent")',
  ].join('\n'),
  'invalid-header-name.json': 'monitors[0].http.headers["x api key"]: "x api key" is not a valid header name',
  'invalid-home-region.json': 'homeRegion: "us-east1" is not an AWS region name (like us-east-1)',
  'invalid-interval-not-minutes.json': 'monitors[0].interval: 90s is not a whole number of minutes',
  'invalid-interval-too-short.json': 'monitors[0].interval: 30s is below the 1m minimum',
  'invalid-lambda-memory.json': 'lambda.probeRunner.memoryMb: expected 128-10240',
  'invalid-match-key.json': 'monitors[0].dns.assert.answers[0].regexp: unknown key (did you mean "regex"?)',
  'invalid-missing-monitors.json': 'monitors: required',
  'invalid-misspelt-monitor-key.json': [
    'monitors[0].interval: required',
    'monitors[0].intrval: unknown key (did you mean "interval"?)',
  ].join('\n'),
  'invalid-monitor-id-format.json':
    'monitors[0].id: "API_Health" must be lowercase letters, digits and "-", starting with a letter or digit',
  'invalid-monitor-region.json':
    'monitors[0].regions[1]: "eu-west-3" is not in regions (us-east-1, eu-west-1)',
  'invalid-namespace.json': 'namespace: the AWS/ prefix is reserved for AWS services',
  'invalid-no-probe-kind.json': 'monitors[0]: expected exactly one of url, dns, tcp, http (got none)',
  'invalid-phase-latency-phase.json':
    'metrics.phaseLatency[1]: expected one of dns, connect, tls, ttfb, transfer (got "ttbf")',
  'invalid-phase-latency-threshold.json':
    'monitors[0].thresholds.ttfb: its latency alarm needs PhaseLatency for ttfb, which metrics.phaseLatency does not publish (add "ttfb" to it, or remove this threshold)',
  // RE2 syntax on a linear-time engine since issue 10: its own compile message, and lookaround or a
  // backreference named as what RE2 does not have.
  'invalid-regex.json':
    'monitors[0].http.assert.body[0].regex: regex "(" does not compile: missing closing ): `(`',
  'invalid-regex-lookaround.json':
    'monitors[0].http.assert.headers.server.regex: regex "^(?!nginx)" is not supported: lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not part of RE2 syntax, which netprobe uses so a match takes linear time (docs/config.md)',
  'invalid-regex-backreference.json':
    'monitors[0].dns.assert.answers[0].regex: regex "^(\\\\d+)\\\\.\\\\1\\\\." is not supported: backreferences (\\1 … \\9) are not part of RE2 syntax, which netprobe uses so a match takes linear time (docs/config.md)',
  'invalid-json-path-filter.json':
    'monitors[0].http.assert.json[0].path: JSON path "$.items[?(@.price > 10)]" is not supported: filter and script expressions (?(…) and (…)) are not evaluated; select by name, index or slice',
  'invalid-json-path-descent.json':
    'monitors[0].http.assert.json[0].path: JSON path "$..items..price" is not supported: at most one recursive descent (..)',
  'invalid-status-code.json': 'monitors[0].http.assert.status: expected 100-599',
  'invalid-status-range.json': 'monitors[0].http.assert.status[1]: range 299-200 is empty',
  'invalid-subscription-protocol.json':
    'subscriptions["network-team"][0].protocol: expected one of email, https, sqs, slack, teams, pagerduty, webhook (got "sms")',
  'invalid-subscription-routing-key.json':
    'subscriptions["network-team"][0].routingKeySecret: this looks like a PagerDuty routing key itself: put the key in Secrets Manager and give the secret name or ARN',
  'invalid-subscription-slack-channel.json':
    'subscriptions["network-team"][0].channelId: expected a Slack channel id such as C0123ABCD',
  'invalid-subscription-webhook-http.json':
    'subscriptions["network-team"][0].url: expected an https:// URL (http:// only to a loopback address)',
  'invalid-tcp-tls-key.json': 'monitors[0].tcp.tls.insecur: unknown key (did you mean "insecure"?)',
  'invalid-threshold-over-timeout.json': 'monitors[0].thresholds.total: 2s is not below the timeout (2s)',
  'invalid-timeout-not-a-duration.json': 'monitors[0].timeout: "2x" is not a duration (use 1500ms, 2s, 1m)',
  'invalid-timeout-over-interval.json': 'monitors[0].timeout: 90s is longer than the interval (1m)',
  'invalid-timeout-over-lambda.json':
    'monitors[0].timeout: 10s does not fit in lambda.probeRunner.timeoutSeconds (10)',
  'invalid-two-probe-kinds.json': 'monitors[0]: expected exactly one of url, dns, tcp, http (got dns, http)',
  'invalid-unknown-team.json':
    'monitors[0].team: unknown team "dba-team" (known: cdn-team, infrastructure-team, network-team, performance-team)',
  'invalid-unknown-top-level-key.json': 'monitor: unknown key (did you mean "monitors"?)',
  'invalid-unpaged-subscription.json':
    'subscriptions["netwrk-team"]: no escalation rule or monitor pages team "netwrk-team"',
  'invalid-url-missing-port.json': 'monitors[0].url: missing port (tcp://host:port)',
  'invalid-url-scheme.json': 'monitors[0].url: unknown scheme "ftp:" (expected dns, tcp, tls, http, https)',
  'invalid-wrong-types.json': [
    'concurrency: expected number, got string',
    'monitors[0].cdn: expected boolean, got string',
  ].join('\n'),
};

describe('invalid config fixtures', () => {
  it('every fixture has an expected message and every expected message a fixture', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.startsWith('invalid-') && f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (file, message) => {
    const input: unknown = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));

    const err = catchConfigError(() => parseConfig(input));

    expect(err.message).toBe(message);
    // The structured issues say the same thing, one per line.
    const lines = err.issues.map((i) => `${i.path}: ${i.message}`);
    expect(lines.join('\n')).toBe(message);
  });
});
