/**
 * ProbeContext.connectGuard in the probers: asked with the resolved address right before each connect
 * (every redirect hop included), and a refusal means no connection is made at all.
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTargetUrl } from '../../shared/config/url.ts';
import { httpProbe } from '../../shared/probes/http.ts';
import type { HttpSpec, TcpSpec } from '../../shared/probes/spec.ts';
import { tcpProbe } from '../../shared/probes/tcp.ts';
import type { ConnectGuard, ProbeContext } from '../../shared/probes/types.ts';

function spec<K extends 'tcp' | 'http'>(
  kind: K,
  url: string,
  opts = {},
): K extends 'tcp' ? TcpSpec : HttpSpec {
  const parsed = parseTargetUrl(url, opts);
  if (parsed.kind !== kind) throw new Error(`${url} is not a ${kind} target`);
  return parsed as K extends 'tcp' ? TcpSpec : HttpSpec;
}

interface CountingServer {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

async function countingServer(listener: http.RequestListener): Promise<CountingServer> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = http.createServer(listener);
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let target: CountingServer;
let redirector: CountingServer;

beforeAll(async () => {
  target = await countingServer((_req, res) => res.end('ok'));
  redirector = await countingServer((_req, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${target.port}/inside` }).end();
  });
});
afterAll(async () => {
  await Promise.all([target?.close(), redirector?.close()]);
});

function context(connectGuard?: ConnectGuard): ProbeContext {
  return { signal: new AbortController().signal, deadline: performance.now() + 5_000, connectGuard };
}

/** Refuses one port and records every question. */
function refusePort(port: number) {
  const asked: [string, number, string][] = [];
  const guard: ConnectGuard = (address, p, host) => {
    asked.push([address, p, host]);
    return p === port ? { code: 'TCP_UNREACHABLE', message: `refused ${address}:${p} (${host})` } : null;
  };
  return { guard, asked };
}

describe('connectGuard', () => {
  it('refuses a TCP connect before dialling, with the guard’s error at the transport layer', async () => {
    const before = target.connections();
    const { guard, asked } = refusePort(target.port);
    const result = await tcpProbe(spec('tcp', `tcp://localhost:${target.port}`), context(guard));
    expect(result.status).toBe('down');
    expect(result.layer).toBe('transport');
    expect(result.error?.code).toBe('TCP_UNREACHABLE');
    expect(result.error?.message).toMatch(/^refused (127\.0\.0\.1|::1):\d+ \(localhost\)$/);
    // The guard saw the resolved address, not the name.
    expect(asked[0]?.[0]).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(asked[0]?.[2]).toBe('localhost');
    expect(target.connections()).toBe(before);
  });

  it('asks for every address with allAddresses', async () => {
    const asked: string[] = [];
    const result = await tcpProbe(
      spec('tcp', `tcp://127.0.0.1:${target.port}`, { allAddresses: true }),
      context((address) => {
        asked.push(address);
        return null;
      }),
    );
    expect(result.status).toBe('up');
    expect(asked).toEqual(['127.0.0.1']);
  });

  it('guards every HTTP redirect hop: the redirect to a refused address is never followed', async () => {
    const before = target.connections();
    const { guard, asked } = refusePort(target.port);
    const result = await httpProbe(spec('http', `http://127.0.0.1:${redirector.port}/`), context(guard));
    expect(result.status).toBe('down');
    expect(result.error).toEqual({
      code: 'TCP_UNREACHABLE',
      message: `refused 127.0.0.1:${target.port} (127.0.0.1)`,
    });
    expect(asked).toEqual([
      ['127.0.0.1', redirector.port, '127.0.0.1'],
      ['127.0.0.1', target.port, '127.0.0.1'],
    ]);
    expect(target.connections()).toBe(before);
  });

  it('changes nothing when the guard lets everything through', async () => {
    const result = await httpProbe(
      spec('http', `http://127.0.0.1:${redirector.port}/`),
      context(() => null),
    );
    expect(result.status).toBe('up');
  });
});
