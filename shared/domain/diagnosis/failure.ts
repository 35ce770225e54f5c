/** A failure as the probe or a triage step saw it: what every layer's sentence starts from. */
import type {
  ConnectAttempt,
  ErrorCode,
  ProbeError,
  ProbeResult,
  TlsInfo,
  TriageStep,
} from '../../probes/types.ts';

/** A failure as seen by the probe or by a triage step: the sentence builders take either. */
export interface Failure {
  code: ErrorCode;
  message: string;
  ms: number;
  attempts?: ConnectAttempt[];
  tls?: TlsInfo;
}

export function failureOfResult(result: ProbeResult): Failure {
  const error = result.error as ProbeError;
  const details = result.details;
  return {
    code: error.code,
    message: error.message,
    ms: result.timings.total,
    attempts: details.kind === 'tcp' ? details.attempts : undefined,
    tls: details.kind === 'dns' ? undefined : details.tls,
  };
}

export function failureOfStep(step: TriageStep): Failure | null {
  if (step.status === 'up' || step.error === null) return null;
  return {
    code: step.error.code,
    message: step.error.message,
    ms: step.ms,
    attempts: step.attempts,
    tls: step.tls,
  };
}
