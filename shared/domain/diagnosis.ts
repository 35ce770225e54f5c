/**
 * One plain sentence a responder can act on, from a non-up result and the triage steps run below its
 * failed layer (docs/errors.md "Diagnosis"). Pure: a stored finding (result + `triage`) re-derives the
 * same sentence, so replays and tests need no network.
 *
 * Shape: what is known fine below; what broke, naming the address, name or certificate; what to check.
 * This file picks the layer to explain (the lowest failed check below the failed layer, else the
 * failure itself) and what is fine below it; each layer's sentence is in shared/domain/diagnosis/.
 */

import { NO_NETWORK } from '../probes/net-errors.ts';
import type { ProbeSpec } from '../probes/spec.ts';
import type { Layer, Phase, ProbeResult, TriageStep } from '../probes/types.ts';
import { failedLayer } from './classify.ts';
import { applicationSentence } from './diagnosis/application.ts';
import { dnsSentence } from './diagnosis/dns.ts';
import { endpointOf } from './diagnosis/endpoint.ts';
import { type Failure, failureOfResult, failureOfStep } from './diagnosis/failure.ts';
import { slowSentence } from './diagnosis/latency.ts';
import { tlsSentence } from './diagnosis/tls.ts';
import { transportSentence } from './diagnosis/transport.ts';
import { formatMs, listWords, sentence } from './diagnosis/words.ts';

const LAYER_ORDER: Record<Layer, number> = { dns: 0, transport: 1, tls: 2, application: 3 };
const LAYER_NAME: Record<Layer, string> = { dns: 'DNS', transport: 'TCP', tls: 'TLS', application: 'HTTP' };

export function diagnose(
  spec: ProbeSpec,
  result: ProbeResult,
  steps: readonly TriageStep[] = result.triage ?? [],
): string | null {
  const layer = failedLayer(result);
  if (result.status === 'up' || result.error === null || layer === null) return null;
  const error = result.error;
  if (error.code === 'PROBE_ERROR') {
    return sentence(
      `netprobe's ${result.probe} probe failed internally (${error.message})`,
      'this is a netprobe bug, not the target: report it',
    );
  }
  if (error.code === 'LATENCY_HIGH') return slowSentence(spec, result);
  if (reachesNoNetwork(result, steps)) return offlineSentence(result, steps);

  // A check below the failed layer that fails too is the root cause: a 503 means little if the
  // re-check cannot even connect.
  const root = rootCause(spec, steps, layer);
  if (root !== null) return layerSentence(spec, result, steps, root.layer, root.failure, true);
  return layerSentence(spec, result, steps, layer, failureOfResult(result), false);
}

function layerSentence(
  spec: ProbeSpec,
  result: ProbeResult,
  steps: readonly TriageStep[],
  layer: Layer,
  failure: Failure,
  fromTriage: boolean,
): string {
  const prefix = fineBelow(spec, result, steps, layer);
  const note = fromTriage ? ` (the probe itself reported ${result.error?.code})` : '';
  switch (layer) {
    case 'dns':
      return dnsSentence(spec, result, steps, failure);
    case 'transport':
      return transportSentence(spec, steps, failure, prefix, note);
    case 'tls':
      return tlsSentence(spec, failure, prefix, note);
    case 'application':
      return applicationSentence(spec, result, failure, prefix);
  }
}

/** The lowest failed check strictly below `layer`. DNS counts only through the system resolver, the path the probe took. */
function rootCause(
  spec: ProbeSpec,
  steps: readonly TriageStep[],
  layer: Layer,
): { layer: Layer; failure: Failure } | null {
  if (spec.kind === 'dns') return null;
  const below = steps
    .filter((s) => LAYER_ORDER[s.layer] < LAYER_ORDER[layer])
    .filter((s) => s.layer !== 'dns' || s.server === 'system')
    .sort((a, b) => LAYER_ORDER[a.layer] - LAYER_ORDER[b.layer]);
  for (const step of below) {
    // Degraded checks (an expiring certificate seen during triage) do not explain a hard failure above them.
    if (step.status !== 'down') continue;
    const failure = failureOfStep(step);
    if (failure !== null) return { layer: step.layer, failure };
  }
  return null;
}

/** "DNS fine (12 ms)", "DNS and TCP fine", "DNS, TCP and TLS fine", or "" when nothing below is known good. */
function fineBelow(spec: ProbeSpec, result: ProbeResult, steps: readonly TriageStep[], layer: Layer): string {
  const endpoint = endpointOf(spec);
  if (endpoint === null) return '';
  const fine: { name: string; ms: number | undefined }[] = [];
  const check = (l: Layer, phase: Phase, applies: boolean) => {
    if (!applies || LAYER_ORDER[l] >= LAYER_ORDER[layer]) return;
    const step = steps.find((s) => s.layer === l && (l !== 'dns' || s.server === 'system'));
    if (step !== undefined) {
      if (step.status === 'up') fine.push({ name: LAYER_NAME[l], ms: step.ms });
      return;
    }
    // Without triage, a phase the probe completed is evidence enough that its layer worked.
    const ms = result.timings[phase];
    if (ms !== undefined) fine.push({ name: LAYER_NAME[l], ms });
  };
  check('dns', 'dns', !endpoint.literal);
  check('transport', 'connect', true);
  check('tls', 'tls', endpoint.tls !== undefined);
  if (fine.length === 0) return '';
  if (fine.length === 1) {
    const only = fine[0] as { name: string; ms: number | undefined };
    return `${only.name} fine${only.ms === undefined ? '' : ` (${formatMs(only.ms)})`}`;
  }
  return `${listWords(fine.map((f) => f.name))} fine`;
}

/**
 * An ad-hoc check's diagnosis: one location cannot tell a failure everywhere from a local one, so the
 * sentence says where it was seen from (null stays null: nothing to explain).
 */
export function seenFromOnePlace(diagnosis: string | null, location: string): string | null {
  if (diagnosis === null) return null;
  return `${diagnosis} Seen from one place only (${location}): whether it fails everywhere is not known.`;
}

/** Failures where nothing answered: the ones a machine without a network produces. */
const NO_ANSWER_CODES: ReadonlySet<string> = new Set(['DNS_TIMEOUT', 'TCP_UNREACHABLE', 'TCP_TIMEOUT']);

/**
 * Nothing outside answers: the probe got no answer, no check below it got one either, and at least
 * one of them was refused by this machine's own kernel for want of a route (ENETUNREACH). Then the
 * target, its resolver and its zone are not in question: this machine is offline.
 */
function reachesNoNetwork(result: ProbeResult, steps: readonly TriageStep[]): boolean {
  if (result.error === null || !NO_ANSWER_CODES.has(result.error.code)) return false;
  if (steps.some((s) => s.status !== 'down')) return false;
  const messages = [result.error.message, ...steps.map((s) => s.error?.message ?? '')];
  return messages.some((m) => m.includes(NO_NETWORK));
}

function offlineSentence(result: ProbeResult, steps: readonly TriageStep[]): string {
  const tried = [result.target, ...steps.map((s) => s.target)].filter((t, i, all) => all.indexOf(t) === i);
  return sentence(
    `this machine reaches no network: nothing outside answered (${listWords(tried)}; ${NO_NETWORK})`,
    "check this machine's network connection (interface, default route, VPN), not the target, its resolver or its zone",
  );
}
