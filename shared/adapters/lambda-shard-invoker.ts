/**
 * Shards run as asynchronous invocations of the probe-runner (InvocationType Event): Lambda queues
 * the event, retries a failed run and sends one that keeps failing, or grows older than the
 * function's maximum event age, to its on-failure destination (infra/constructs/probe-region.ts).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ShardEvent, ShardInvoker } from '../ports/shard-invoker.ts';

export interface LambdaShardInvokerOptions {
  client: LambdaClient;
  /** The probe-runner of this region, by name or ARN. */
  functionName: string;
}

export class LambdaShardInvoker implements ShardInvoker {
  readonly #client: LambdaClient;
  readonly #functionName: string;
  readonly #encoder = new TextEncoder();

  constructor(options: LambdaShardInvokerOptions) {
    this.#client = options.client;
    this.#functionName = options.functionName;
  }

  async invoke(event: ShardEvent): Promise<void> {
    const out = await this.#client.send(
      new InvokeCommand({
        FunctionName: this.#functionName,
        InvocationType: 'Event',
        Payload: this.#encoder.encode(JSON.stringify(event)),
      }),
    );
    // 202 Accepted is the only success of an asynchronous invoke.
    if (out.StatusCode !== 202) throw new Error(`Invoke answered ${out.StatusCode ?? 'no status'}, not 202`);
  }
}
