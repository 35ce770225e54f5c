/**
 * The current invocation's end, for everything that must finish before Lambda cuts it off: the SDK
 * clients' retries (shared/adapters/retry.ts) ask it how long they may still wait. Lambda runs one
 * invocation at a time per instance, so one tracker per handler, reset by its middleware on every
 * invocation, is the invocation's own.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { TimeLeft } from '../../shared/adapters/retry.ts';

/** Kept between the clients' last attempt and Lambda's cut-off: the handler still has to return. */
export const CLIENT_MARGIN_MS = 200;

export class InvocationTime {
  /** performance.now() at which Lambda ends the invocation; Infinity outside one. */
  #end = Number.POSITIVE_INFINITY;

  start(context: Context): void {
    this.#end =
      typeof context.getRemainingTimeInMillis === 'function'
        ? performance.now() + context.getRemainingTimeInMillis()
        : Number.POSITIVE_INFINITY;
  }

  /** ms until Lambda ends the invocation. */
  left(): number {
    return this.#end - performance.now();
  }

  /** What the SDK clients may spend: the time left minus CLIENT_MARGIN_MS. */
  readonly forClients: TimeLeft = () => this.left() - CLIENT_MARGIN_MS;

  middleware(): MiddlewareObj {
    return {
      name: 'invocationTime',
      before: (request) => this.start(request.context),
    };
  }
}
