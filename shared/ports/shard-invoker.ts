import type { ShardDetail } from '../domain/shards.ts';

/** The scheduled event a shard's runner receives: EventBridge's fields, the shard in `detail`. */
export interface ShardEvent {
  version: '0';
  'detail-type': 'netprobe shard';
  source: 'netprobe.dispatcher';
  /** The scheduled event's own `time`, unchanged: every shard of one run says the same. */
  time: string;
  region: string;
  detail: ShardDetail;
}

/**
 * Starts one shard's run without waiting for it (Lambda's asynchronous Invoke). Resolves once the
 * run is accepted (it then retries on its own and ends in the failure destination if it cannot run);
 * rejects when it was not accepted.
 */
export interface ShardInvoker {
  invoke(event: ShardEvent): Promise<void>;
}
