/**
 * The scheduled event both probe-dispatcher and probe-runner receive: EventBridge's, with the
 * interval in `detail` (infra/constructs/probe-region.ts). A shard of a dispatched run is the same
 * event with its shard and monitor ids added to `detail` (shared/ports/shard-invoker.ts).
 */
import * as z from 'zod';
import type { ShardDetail } from '../../shared/domain/shards.ts';
import { NetprobeError } from '../../shared/errors.ts';

export interface ScheduledRunEvent {
  'detail-type'?: string;
  source?: string;
  time?: string;
  detail: { intervalMinutes: number } & Partial<Pick<ShardDetail, 'shard' | 'monitorIds'>>;
}

const eventSchema = z.looseObject({
  detail: z.looseObject({
    intervalMinutes: z.number().int().min(1),
    shard: z.object({ index: z.number().int().min(0), count: z.number().int().min(1) }).optional(),
    monitorIds: z.array(z.string().min(1)).optional(),
  }),
});

/** A scheduled event a function cannot act on: the rule's input is wrong (a deployment bug). */
export class RunEventError extends NetprobeError {
  override name = 'RunEventError';
  constructor(message: string) {
    super('run_event_invalid', message);
  }
}

export function parseScheduledEvent(event: unknown): ScheduledRunEvent {
  const parsed = eventSchema.safeParse(event);
  if (parsed.success) return parsed.data as ScheduledRunEvent;
  const issue = parsed.error.issues[0];
  const where = ['event', ...(issue?.path ?? [])].join('.');
  throw new RunEventError(
    `${where}: ${issue?.message ?? 'invalid'}; the schedule must send {"detail": {"intervalMinutes": <whole minutes ≥ 1>}} (docs/api.md)`,
  );
}
