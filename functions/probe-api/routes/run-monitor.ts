/**
 * POST /monitors/{id}/run: run one configured monitor now, from this region. When the monitor runs in
 * this region anyway, the run counts like a scheduled one (finding stored, metrics published);
 * otherwise the finding is only returned, so an on-demand run never adds a location to the monitor's
 * history or alarms. Configured monitors are the operators' own targets, but the addresses found at run
 * time (redirect hops, discovered nameservers) are chosen by whoever controls the target's answers:
 * those pass the SSRF guard, with config.allowPrivateTargets as its exceptions (403 when refused).
 */
import { formatDuration } from '../../../shared/config/duration.ts';
import { metricDatums } from '../../../shared/domain/metric-data.ts';
import { runMonitors } from '../../../shared/engine/run-monitors.ts';
import { systemClock } from '../../../shared/ports/clock.ts';
import { PROBES } from '../../../shared/probes/index.ts';
import { flushReserveMs, persistBudget, probeDeadline } from '../../shared/invocation.ts';
import { metricsOf } from '../../shared/metrics.ts';
import { persistFindings } from '../../shared/persist-findings.ts';
import type { ProbeApiDeps } from '../deps.ts';
import { ApiError, type ApiResponse, badRequest, json, jsonBody, type RouteRequest } from '../http.ts';
import { findMonitor } from '../monitors.ts';
import { checkGuard, forbidden, GUARD_SCOPES, guardedProbes } from '../ssrf-guard.ts';

export async function runMonitorRoute(req: RouteRequest<ProbeApiDeps>): Promise<ApiResponse> {
  const { deps, context } = req;
  const monitor = findMonitor(deps.config, req.params.id);
  const body = jsonBody(req.event);
  if (body !== undefined && !(typeof body === 'object' && body !== null && Object.keys(body).length === 0)) {
    throw badRequest('body: this route takes no body (the monitor is run as configured)');
  }
  const deadline = probeDeadline(context, deps.reserveMs ?? flushReserveMs);
  const clock = deps.clock ?? systemClock;
  const guard = checkGuard(deps.config.allowPrivateTargets, GUARD_SCOPES.runMonitor);
  const { findings, skipped } = await runMonitors([monitor], {
    location: deps.region,
    concurrency: 1,
    deadline,
    signal: req.signal ? AbortSignal.any([guard.signal, req.signal]) : guard.signal,
    probes: guardedProbes(deps.probes ?? PROBES, guard.guard),
    classification: deps.config.classification,
    now: () => clock.now(),
  });
  if (guard.refusals.length > 0) throw forbidden(guard.refusals);
  const [finding] = findings;
  if (!finding || skipped.length > 0) {
    const left = Math.max(0, Math.floor(deadline - performance.now()));
    throw new ApiError(
      500,
      `not started: ${monitor.id} needs up to ${formatDuration(monitor.probe.timeoutMs)} and this invocation had about ${formatDuration(left)} left; raise lambda.probeApi.timeoutSeconds`,
    );
  }
  const counts = monitor.regions.includes(deps.region);
  let spilled = 0;
  if (counts) {
    metricsOf(context).add(metricDatums(findings, deps.config.metrics));
    ({ spilled } = await persistFindings(
      findings,
      {
        store: deps.store,
        ...(deps.spill ? { spill: deps.spill } : {}),
        logger: req.logger,
        metrics: { namespace: deps.config.namespace, functionName: 'probe-api' },
      },
      persistBudget(context),
    ));
  }
  return json(200, {
    finding,
    stored: counts,
    // The table did not take it in time: it is in the spill queue and written within minutes.
    ...(spilled > 0 ? { spilled: true } : {}),
    ...(counts
      ? {}
      : {
          note: `not stored: ${monitor.id} does not run in ${deps.region} (it runs in ${monitor.regions.join(', ')})`,
        }),
  });
}
