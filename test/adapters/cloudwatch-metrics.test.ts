/**
 * Findings → metric datums → PutMetricData, asserted at the SDK boundary (aws-sdk-client-mock):
 * the exact request, batching within the API limits, and retries on throttling and 5xx.
 */
import {
  CloudWatchClient,
  PutMetricDataCommand,
  type PutMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  batchMetricData,
  type CloudWatchMetricsPublisher,
  MAX_REQUEST_BYTES,
  MetricsPublishError,
  toMetricData,
} from '../../shared/adapters/cloudwatch-metrics.ts';
import { LocalMetricsPublisher } from '../../shared/adapters/local-metrics.ts';
import { metricDatums } from '../../shared/domain/metric-data.ts';
import type { MetricDatum } from '../../shared/ports/metrics.ts';
import { dnsDownFinding, FINDING_AT, upHttpsFinding } from '../fixtures/findings.ts';
import { mockedCloudWatchPublisher } from '../fixtures/mocked-aws.ts';

const AT = FINDING_AT;

const httpsFinding = upHttpsFinding({
  monitorId: 'www-cdn-asset',
  location: 'eu-west-1',
  timings: { dns: 12.3456, connect: 20.1, tls: 30.25, ttfb: 40, transfer: 5.5, total: 108.1956 },
  certificate: { daysLeft: 39 },
  details: {
    url: 'https://www.example.com/cdn/logo.svg',
    cdn: { source: 'x-cache', cache: 'hit', raw: 'Hit from cloudfront', provider: 'CloudFront' },
  },
});

const dnsDown = dnsDownFinding({
  monitorId: 'dns-example-com',
  location: 'us-east-1',
  timings: { dns: 2000, total: 2001.5 },
});

const dims = (
  monitor: string,
  region: string,
  probe: string,
  extra: { Name: string; Value: string }[] = [],
) =>
  [
    { Name: 'Monitor', Value: monitor },
    ...extra,
    { Name: 'Probe', Value: probe },
    { Name: 'Region', Value: region },
  ].sort((a, b) => a.Name.localeCompare(b.Name));

const cw = mockClient(CloudWatchClient);
function publisher(): CloudWatchMetricsPublisher {
  return mockedCloudWatchPublisher();
}

function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'Throttling',
    $metadata: { httpStatusCode: 400 },
  });
}

beforeEach(() => {
  cw.reset();
});
afterEach(() => cw.reset());

describe('metric datums of a run', () => {
  it('publishes every metric of both findings in one exact PutMetricData request', async () => {
    cw.on(PutMetricDataCommand).resolves({});
    await publisher().publish(metricDatums([httpsFinding, dnsDown]));

    const ts = new Date(AT);
    const www = (extra: { Name: string; Value: string }[] = []) =>
      dims('www-cdn-asset', 'eu-west-1', 'http', extra);
    const phase = (p: string) => www([{ Name: 'Phase', Value: p }]);
    const expected: PutMetricDataCommandInput = {
      Namespace: 'Netprobe',
      MetricData: [
        { MetricName: 'Up', Dimensions: www(), Timestamp: ts, Unit: 'None', Value: 1 },
        { MetricName: 'Latency', Dimensions: www(), Timestamp: ts, Unit: 'Milliseconds', Value: 108.196 },
        {
          MetricName: 'PhaseLatency',
          Dimensions: phase('dns'),
          Timestamp: ts,
          Unit: 'Milliseconds',
          Value: 12.346,
        },
        {
          MetricName: 'PhaseLatency',
          Dimensions: phase('connect'),
          Timestamp: ts,
          Unit: 'Milliseconds',
          Value: 20.1,
        },
        {
          MetricName: 'PhaseLatency',
          Dimensions: phase('tls'),
          Timestamp: ts,
          Unit: 'Milliseconds',
          Value: 30.25,
        },
        {
          MetricName: 'PhaseLatency',
          Dimensions: phase('ttfb'),
          Timestamp: ts,
          Unit: 'Milliseconds',
          Value: 40,
        },
        {
          MetricName: 'PhaseLatency',
          Dimensions: phase('transfer'),
          Timestamp: ts,
          Unit: 'Milliseconds',
          Value: 5.5,
        },
        { MetricName: 'CertDaysRemaining', Dimensions: www(), Timestamp: ts, Unit: 'Count', Value: 39 },
        { MetricName: 'CdnCacheHit', Dimensions: www(), Timestamp: ts, Unit: 'None', Value: 1 },
        {
          MetricName: 'Up',
          Dimensions: dims('dns-example-com', 'us-east-1', 'dns'),
          Timestamp: ts,
          Unit: 'None',
          Value: 0,
        },
        {
          MetricName: 'Latency',
          Dimensions: dims('dns-example-com', 'us-east-1', 'dns'),
          Timestamp: ts,
          Unit: 'Milliseconds',
          Value: 2001.5,
        },
        {
          MetricName: 'PhaseLatency',
          Dimensions: dims('dns-example-com', 'us-east-1', 'dns', [{ Name: 'Phase', Value: 'dns' }]),
          Timestamp: ts,
          Unit: 'Milliseconds',
          Value: 2000,
        },
      ],
    };
    expect(cw).toReceiveCommandTimes(PutMetricDataCommand, 1);
    expect(cw).toReceiveCommandWith(PutMetricDataCommand, expected);
    expect(cw.commandCalls(PutMetricDataCommand)[0]?.args[0].input).toEqual(expected);
  });

  it('reports a CDN miss as 0 and publishes no cert or CDN metric for a plain DNS run', () => {
    const miss = upHttpsFinding({
      details: { cdn: { source: 'cf-cache-status', cache: 'miss', raw: 'MISS' } },
    });
    const names = metricDatums([miss]).filter((d) => d.name === 'CdnCacheHit');
    expect(names.map((d) => d.value)).toEqual([0]);
    expect(metricDatums([dnsDown]).map((d) => d.name)).toEqual(['Up', 'Latency', 'PhaseLatency']);
  });

  it('publishes nothing for an empty run', async () => {
    await publisher().publish([]);
    expect(cw).not.toReceiveCommand(PutMetricDataCommand);
  });
});

describe('PutMetricData limits', () => {
  const datum = (i: number, extra: Record<string, string> = {}): MetricDatum => ({
    name: 'Up',
    unit: 'None',
    dimensions: { Monitor: `m-${i}`, Region: 'eu-west-1', Probe: 'http', ...extra },
    value: 1,
    timestamp: new Date(AT),
  });

  it('splits 2 500 datums into requests of at most 1 000', async () => {
    cw.on(PutMetricDataCommand).resolves({});
    await publisher().publish(Array.from({ length: 2500 }, (_, i) => datum(i)));
    const sizes = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData?.length);
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  it('keeps every request under 1 MB when datums are large', () => {
    // 10 dimensions of 1 000 characters: ~10 KB per entry, so ~97 entries fit in a request.
    const big = Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`D${k}`, 'x'.repeat(1000)]));
    const entries = toMetricData(Array.from({ length: 300 }, (_, i) => datum(i, big)));
    const batches = batchMetricData(entries, 'Netprobe');
    expect(batches.length).toBe(4);
    expect(batches.flat().length).toBe(300);
    const bytes = batches.map((batch) =>
      Buffer.byteLength(JSON.stringify({ Namespace: 'Netprobe', MetricData: batch })),
    );
    for (const size of bytes) expect(size).toBeLessThan(MAX_REQUEST_BYTES);
    // Full requests, not needlessly small ones: all but the last are within 2% of the limit.
    for (const size of bytes.slice(0, -1)) expect(size).toBeGreaterThan(MAX_REQUEST_BYTES * 0.98);
  });

  it('folds values of the same series and timestamp into Values/Counts', () => {
    const same = [1, 1, 0, 1].map((value) => ({ ...datum(0), value }));
    expect(toMetricData(same)).toEqual([
      {
        MetricName: 'Up',
        Dimensions: [
          { Name: 'Monitor', Value: 'm-0' },
          { Name: 'Probe', Value: 'http' },
          { Name: 'Region', Value: 'eu-west-1' },
        ],
        Timestamp: new Date(AT),
        Unit: 'None',
        Values: [1, 0],
        Counts: [3, 1],
      },
    ]);
  });

  it('never puts more than 150 distinct values in one entry', () => {
    const many = Array.from({ length: 320 }, (_, i) => ({
      ...datum(0),
      name: 'Latency',
      unit: 'Milliseconds' as const,
      value: i,
    }));
    const entries = toMetricData(many);
    expect(entries.map((e) => e.Values?.length)).toEqual([150, 150, 20]);
    expect(entries.flatMap((e) => e.Counts ?? []).reduce((a, b) => a + b, 0)).toBe(320);
  });
});

describe("failures (retries are the client's: test/adapters/retry.test.ts)", () => {
  it('says how many datums were lost when the client gives up', async () => {
    const throttled = throttling();
    cw.on(PutMetricDataCommand).rejects(throttled);
    const error = await publisher()
      .publish(metricDatums([dnsDown]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricsPublishError);
    expect((error as MetricsPublishError).message).toBe(
      '3 of 3 metric datums not published: Rate exceeded (Throttling)',
    );
    expect((error as MetricsPublishError).cause).toBe(throttled);
    expect(cw).toReceiveCommandTimes(PutMetricDataCommand, 1);
  });

  it('reports a request CloudWatch rejects as invalid', async () => {
    cw.on(PutMetricDataCommand).rejects(
      Object.assign(new Error('The value NaN is invalid'), {
        name: 'InvalidParameterValueException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(publisher().publish(metricDatums([dnsDown]))).rejects.toThrow(
      '3 of 3 metric datums not published: The value NaN is invalid (InvalidParameterValueException)',
    );
    expect(cw).toReceiveCommandTimes(PutMetricDataCommand, 1);
  });

  it('still sends the other batches when one fails', async () => {
    cw.on(PutMetricDataCommand).rejectsOnce(new Error('bad batch')).resolves({});
    const datums = Array.from({ length: 1500 }, (_, i) => ({
      name: 'Up',
      unit: 'None' as const,
      dimensions: { Monitor: `m-${i}`, Region: 'r', Probe: 'tcp' },
      value: 1,
      timestamp: new Date(AT),
    }));
    await expect(publisher().publish(datums)).rejects.toThrow(
      '1000 of 1500 metric datums not published: bad batch',
    );
    expect(cw).toReceiveCommandTimes(PutMetricDataCommand, 2);
  });
});

describe('LocalMetricsPublisher', () => {
  it('prints one line per datum with the namespace, sorted dimensions, value, unit and time', async () => {
    let printed = '';
    await new LocalMetricsPublisher(
      { write: (t: string) => (printed += t) },
      { namespace: 'Netprobe' },
    ).publish(metricDatums([dnsDown]));
    expect(printed).toBe(
      [
        `metric Netprobe/Up{Monitor="dns-example-com",Probe="dns",Region="us-east-1"} 0 None ${AT}`,
        `metric Netprobe/Latency{Monitor="dns-example-com",Probe="dns",Region="us-east-1"} 2001.5 Milliseconds ${AT}`,
        `metric Netprobe/PhaseLatency{Monitor="dns-example-com",Phase="dns",Probe="dns",Region="us-east-1"} 2000 Milliseconds ${AT}`,
        '',
      ].join('\n'),
    );
  });
});
