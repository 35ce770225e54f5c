/**
 * The monitors netprobe deploys and runs: copy this file and edit it. Every key, its default and
 * the error messages are described in docs/config.md; `netprobe` validates it on every command.
 */
import { defineConfig } from './shared/config/define.ts';

export default defineConfig({
  homeRegion: 'us-east-1',
  regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'],

  // Who gets paged: one SNS topic per team. The escalation table (docs/config.md) routes each issue
  // type to a team; a monitor's `team` overrides it. Monitors' own alarms go to netprobe-alarms
  // (subscribe with an `alarms` entry here) unless a monitor sets `alarmsPage: true` (docs/deploy.md).
  subscriptions: {
    'network-team': [{ protocol: 'email', endpoint: 'network-oncall@example.com' }],
    'infrastructure-team': [
      { protocol: 'https', endpoint: 'https://hooks.example.com/netprobe/infrastructure' },
    ],
    'cdn-team': [{ protocol: 'email', endpoint: 'cdn-oncall@example.com' }],
    'database-team': [{ protocol: 'sqs', endpoint: 'arn:aws:sqs:us-east-1:123456789012:database-pages' }],
  },

  monitors: [
    {
      id: 'dns-example-com',
      description: 'example.com resolves through a public resolver',
      interval: '1m',
      timeout: '2s',
      dns: { name: 'example.com', type: 'A', server: '1.1.1.1', assert: { rcode: 'NOERROR' } },
      thresholds: { dns: '250ms' },
    },
    {
      id: 'dns-example-com-authoritative',
      description: 'every nameserver of example.com answers and serves the same SOA serial',
      interval: '5m',
      timeout: '5s',
      dns: { name: 'example.com', type: 'SOA', mode: 'authoritative' },
    },
    {
      id: 'api-health',
      description: 'the public API health endpoint reports ok',
      interval: '1m',
      timeout: '5s',
      http: {
        url: 'https://api.example.com/health',
        headers: { accept: 'application/json' },
        assert: {
          status: 200,
          headers: { 'content-type': 'application/json' },
          json: [{ path: '$.status', match: 'ok' }],
        },
      },
      thresholds: { ttfb: '500ms', total: '1500ms' },
    },
    {
      id: 'www-cdn-asset',
      description: 'static assets are served by the CDN',
      interval: '1m',
      cdn: true,
      http: {
        url: 'https://www.example.com/cdn/logo.svg',
        assert: { status: '2xx', headers: { 'content-type': 'image/svg+xml' } },
        certWarnDays: 30,
      },
      thresholds: { total: '800ms' },
    },
    {
      id: 'www-http-redirect',
      description: 'plain HTTP still answers (and redirects to HTTPS)',
      interval: '5m',
      url: 'http://www.example.com/',
    },
    {
      id: 'db-primary-port',
      description: 'the primary database accepts TCP connections from us-east-1',
      interval: '1m',
      timeout: '3s',
      regions: ['us-east-1'],
      team: 'database-team',
      tcp: { host: 'db.example.net', port: 5432 },
      thresholds: { connect: '100ms' },
    },
    {
      id: 'smtps-mail-example-net',
      description: 'the mail server completes TLS, greets, and its certificate is not about to expire',
      interval: '5m',
      timeout: '5s',
      tcp: { host: 'mail.example.net', port: 465, tls: { certWarnDays: 30 }, expect: { regex: '^220 ' } },
    },
  ],
});
