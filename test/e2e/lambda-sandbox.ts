/**
 * Runs a function of the cloud assembly as the nodejs24.x runtime does: a fresh Node 24 process, the
 * bundle from cdk.out as the task root, the handler path and the environment from the template plus
 * only what Lambda itself sets, the AWS SDK v3 as the runtime provides it (`@aws-sdk/*` and
 * `@smithy/*`, nothing else, found above the task root), AWS endpoints at loopback servers, and the
 * function's timeout.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FunctionSpec } from './cloud-assembly.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BOOTSTRAP = fileURLToPath(new URL('./lambda-runtime.mjs', import.meta.url));
/** What the nodejs24.x runtime puts beside a function's code. */
const RUNTIME_MODULES = ['@aws-sdk', '@smithy'];

export type Invocation =
  | { ok: true; result: unknown; logs: string[]; ms: number }
  | { ok: false; errorType: string; errorMessage: string; logs: string[]; ms: number };

export interface Sandbox {
  /** Loopback endpoints (AWS_ENDPOINT_URL_<SERVICE>) every function gets. */
  endpoints: Record<string, string>;
  invoke(fn: FunctionSpec, event: unknown): Promise<Invocation>;
}

/**
 * @param root a temporary directory that holds cdk.out: the runtime's modules are linked at
 *   `<root>/node_modules`, above every asset, so a bare import resolves there or nowhere.
 */
export function createSandbox(root: string, endpoints: Record<string, string>): Sandbox {
  const modules = join(root, 'node_modules');
  mkdirSync(modules, { recursive: true });
  for (const scope of RUNTIME_MODULES)
    symlinkSync(join(REPO, 'node_modules', scope), join(modules, scope), 'dir');
  let n = 0;

  return {
    endpoints,
    invoke: async (fn, event) => {
      const started = Date.now();
      const deadline = started + fn.timeoutSeconds * 1000;
      const eventFile = join(root, `event-${++n}.json`);
      const resultFile = join(root, `result-${n}.json`);
      writeFileSync(eventFile, JSON.stringify(event));
      const env: Record<string, string> = {
        // Set by Lambda for every function.
        AWS_REGION: fn.region,
        AWS_DEFAULT_REGION: fn.region,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
        ...(fn.logFormat ? { AWS_LAMBDA_LOG_FORMAT: fn.logFormat } : {}),
        LAMBDA_TASK_ROOT: fn.codeDir,
        _HANDLER: fn.handler,
        AWS_ACCESS_KEY_ID: 'AKIDE2ELOOPBACK',
        AWS_SECRET_ACCESS_KEY: 'e2e-loopback-secret',
        AWS_SESSION_TOKEN: 'e2e-loopback-session',
        TZ: ':UTC',
        LANG: 'en_US.UTF-8',
        PATH: '/usr/local/bin:/usr/bin:/bin',
        NODE_PATH: modules,
        // The template's own variables (NODE_OPTIONS among them).
        ...fn.environment,
        // Where this run's AWS lives.
        ...endpoints,
      };
      const logs: string[] = [];
      const child = spawn(
        process.execPath,
        [BOOTSTRAP, fn.codeDir, fn.handler, eventFile, resultFile, String(deadline)],
        {
          cwd: fn.codeDir,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout.on('data', (chunk: Buffer) =>
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
      );
      child.stderr.on('data', (chunk: Buffer) =>
        logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
      );
      const timer = setTimeout(() => child.kill('SIGKILL'), fn.timeoutSeconds * 1000 + 2_000);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      const ms = Date.now() - started;
      let outcome: Record<string, unknown>;
      try {
        outcome = JSON.parse(readFileSync(resultFile, 'utf8'));
      } catch {
        const why = Date.now() >= deadline ? 'Sandbox.Timedout' : 'Runtime.ExitError';
        return { ok: false, errorType: why, errorMessage: `exited ${code} without a result`, logs, ms };
      }
      return outcome.ok
        ? { ok: true, result: outcome.result, logs, ms }
        : {
            ok: false,
            errorType: String(outcome.errorType),
            errorMessage: String(outcome.errorMessage),
            logs,
            ms,
          };
    },
  };
}
