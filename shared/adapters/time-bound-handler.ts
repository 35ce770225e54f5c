/**
 * The SDK's Node HTTP handler, each attempt's request timeout cut to the time the work in hand has left.
 * The retry strategy (retry.ts) takes no retry without 500 ms left, but an attempt itself waits up to its
 * fixed requestTimeout: one started with 1.5 s left on an endpoint that accepted the request and never
 * answers would outlive the invocation, and Lambda would cut it off mid-write, before the finding could
 * be spilled. Bounded here, the attempt fails in time and its caller still has the margin to act.
 */

import type { HttpHandler, HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';
import type { TimeLeft } from './retry.ts';

/** The shortest timeout an attempt gets: with no time left it fails at once rather than not at all. */
const MIN_ATTEMPT_TIMEOUT_MS = 1;

export class TimeBoundHttpHandler implements HttpHandler<NodeHttpHandlerOptions> {
  readonly #inner: NodeHttpHandler;
  readonly #timeLeft: TimeLeft;
  readonly #requestTimeoutMs: number;

  constructor(options: NodeHttpHandlerOptions & { requestTimeout: number }, timeLeft: TimeLeft) {
    this.#inner = new NodeHttpHandler(options);
    this.#timeLeft = timeLeft;
    this.#requestTimeoutMs = options.requestTimeout;
  }

  /** The metadata the SDK reads off its handler (the protocol the client speaks). */
  get metadata() {
    return this.#inner.metadata;
  }

  handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const fixed = options.requestTimeout ?? this.#requestTimeoutMs;
    const left = Math.floor(this.#timeLeft());
    const requestTimeout = Math.max(MIN_ATTEMPT_TIMEOUT_MS, Math.min(fixed, left));
    return this.#inner.handle(request, { ...options, requestTimeout });
  }

  updateHttpClientConfig(key: keyof NodeHttpHandlerOptions, value: NodeHttpHandlerOptions[typeof key]): void {
    this.#inner.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs(): NodeHttpHandlerOptions {
    return this.#inner.httpHandlerConfigs();
  }

  destroy(): void {
    this.#inner.destroy();
  }
}
