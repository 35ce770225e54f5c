// The nodejs24.x runtime's part in one invocation, for the e2e run: load the handler module from
// the task root as Lambda does (`<file>.<export>`, file tried as .js, .mjs, .cjs), call the export with
// the event and a context, and write the outcome as Lambda reports it (errorType / errorMessage) to a
// file. Run in a fresh process whose environment is only what Lambda and the template give it.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [taskRoot, handlerSpec, eventFile, resultFile, deadlineText] = process.argv.slice(2);
const deadline = Number(deadlineText);

function report(outcome) {
  writeFileSync(resultFile, JSON.stringify(outcome));
}

function failure(errorType, error) {
  return { ok: false, errorType, errorMessage: error?.message ?? String(error), stack: error?.stack };
}

const dot = handlerSpec.lastIndexOf('.');
const moduleName = handlerSpec.slice(0, dot);
const exportName = handlerSpec.slice(dot + 1);
const file = ['.js', '.mjs', '.cjs']
  .map((ext) => join(taskRoot, moduleName + ext))
  .find((f) => existsSync(f));

let handler;
if (file === undefined) {
  report(
    failure('Runtime.ImportModuleError', new Error(`Cannot find module '${moduleName}' in ${taskRoot}`)),
  );
} else {
  try {
    const module = await import(pathToFileURL(file).href);
    handler = module[exportName];
    if (typeof handler !== 'function') {
      report(failure('Runtime.HandlerNotFound', new Error(`${handlerSpec} is undefined or not exported`)));
      handler = undefined;
    }
  } catch (error) {
    report(failure('Runtime.ImportModuleError', error));
  }
}

if (handler) {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/12/02/[$LATEST]e2e',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const event = JSON.parse(readFileSync(eventFile, 'utf8'));
    const result = await handler(event, context);
    report({ ok: true, result: result ?? null });
  } catch (error) {
    report(failure(error?.name ?? 'Error', error));
  }
}
