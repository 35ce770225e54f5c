import { fileURLToPath } from 'node:url';

/** The repository root: the lock file esbuild resolves dependencies from, and where the handlers live. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Lambda entry points, each exporting `handler`. */
export const FUNCTION_ENTRIES: FunctionEntries = {
  probeRunner: fileURLToPath(new URL('../functions/probe-runner/handler.ts', import.meta.url)),
  probeDispatcher: fileURLToPath(new URL('../functions/probe-dispatcher/handler.ts', import.meta.url)),
  probeApi: fileURLToPath(new URL('../functions/probe-api/handler.ts', import.meta.url)),
  escalator: fileURLToPath(new URL('../functions/escalator/handler.ts', import.meta.url)),
  chatForwarder: fileURLToPath(new URL('../functions/chat-forwarder/handler.ts', import.meta.url)),
  pagerdutyForwarder: fileURLToPath(new URL('../functions/pagerduty-forwarder/handler.ts', import.meta.url)),
  webhookForwarder: fileURLToPath(new URL('../functions/webhook-forwarder/handler.ts', import.meta.url)),
  findingRewriter: fileURLToPath(new URL('../functions/finding-rewriter/handler.ts', import.meta.url)),
  alarmGate: fileURLToPath(new URL('../functions/alarm-gate/handler.ts', import.meta.url)),
};

export interface FunctionEntries {
  readonly probeRunner: string;
  readonly probeDispatcher: string;
  readonly probeApi: string;
  readonly escalator: string;
  readonly chatForwarder: string;
  readonly pagerdutyForwarder: string;
  readonly webhookForwarder: string;
  readonly findingRewriter: string;
  readonly alarmGate: string;
}
