/**
 * `ca` bundles have one reader (shared/probes/pem.ts) for the config check and the TLS prober: parsed
 * once per process, the same words wherever a bad one is reported.
 */
import { describe, expect, it } from 'vitest';
import { pemBundleError } from '../../shared/config/validate.ts';
import { createCa } from '../../shared/lab/certs.ts';
import { parsePemBundle } from '../../shared/probes/pem.ts';

describe('parsePemBundle', () => {
  it('parses a bundle once: the config check and the probe get the same result', async () => {
    const [a, b] = await Promise.all([createCa({ commonName: 'A' }), createCa({ commonName: 'B' })]);
    const bundle = `${a.certPem}\n${b.certPem}`;

    const first = parsePemBundle(bundle);

    expect(first.ok && first.certificates.map((c) => c.subject)).toEqual(['CN=A', 'CN=B']);
    expect(pemBundleError(bundle)).toBeUndefined();
    expect(parsePemBundle(bundle)).toBe(first);
  });

  it.each([
    ['text without PEM', 'ca.pem', 'expected PEM text (-----BEGIN CERTIFICATE----- …), not a file name'],
    [
      'a block that does not parse',
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----',
      /^certificate does not parse: /,
    ],
  ])('%s: one reason, the config check’s', (_, text, reason) => {
    const parsed = parsePemBundle(text);

    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
    expect(pemBundleError(text)).toBe(parsed.ok ? undefined : parsed.reason);
  });

  it('names which certificate of several is broken', async () => {
    const good = (await createCa()).certPem;
    const bad = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----';

    expect(pemBundleError(`${good}\n${bad}`)).toMatch(/^certificate 2 of 2 does not parse: /);
  });
});
