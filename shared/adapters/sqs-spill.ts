/**
 * FindingsSpill on SQS: the findings a run could not store go to the region's spill queue as JSON
 * messages, each under SQS's size limit, and the finding-rewriter drains them into the table. Writing a
 * finding twice is harmless (putFindings is idempotent), so a message delivered twice is too.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Finding } from '../domain/finding.ts';
import { FindingsNotSpilledError, type FindingsSpill, type SpillOptions } from '../ports/spill.ts';

/** Under SQS's 256 KiB per message, with room for the envelope. */
export const SPILL_MESSAGE_MAX_BYTES = 200_000;

/** The body of one spill message. */
export interface SpillMessage {
  version: 1;
  /** Why the findings were spilled (the store's error). */
  reason: string;
  findings: Finding[];
}

/** The message bodies for `findings`: as few as fit SPILL_MESSAGE_MAX_BYTES (a larger finding goes alone). */
export function spillMessages(
  findings: readonly Finding[],
  reason: string,
): { body: string; findings: Finding[] }[] {
  const envelope = Buffer.byteLength(JSON.stringify({ version: 1, reason, findings: [] }));
  const messages: { body: string; findings: Finding[] }[] = [];
  let current: Finding[] = [];
  let bytes = envelope;
  const flush = () => {
    if (current.length === 0) return;
    const message: SpillMessage = { version: 1, reason, findings: current };
    messages.push({ body: JSON.stringify(message), findings: current });
    current = [];
    bytes = envelope;
  };
  for (const finding of findings) {
    // +1 for the comma between findings.
    const size = Buffer.byteLength(JSON.stringify(finding)) + 1;
    if (current.length > 0 && bytes + size > SPILL_MESSAGE_MAX_BYTES) flush();
    current.push(finding);
    bytes += size;
  }
  flush();
  return messages;
}

/** The findings of a spill message body; throws naming what is wrong with one that is not. */
export function parseSpillMessage(body: string): Finding[] {
  let message: Partial<SpillMessage>;
  try {
    message = JSON.parse(body) as Partial<SpillMessage>;
  } catch (error) {
    throw new TypeError(`spill message: not JSON: ${(error as Error).message}`);
  }
  if (message?.version !== 1 || !Array.isArray(message.findings)) {
    throw new TypeError('spill message: expected {"version": 1, "reason": …, "findings": [...]}');
  }
  for (const [i, f] of message.findings.entries()) {
    if (
      typeof f?.monitorId !== 'string' ||
      typeof f.location !== 'string' ||
      typeof f.startedAt !== 'string'
    ) {
      throw new TypeError(`spill message: findings[${i}] has no monitorId, location and startedAt`);
    }
  }
  return message.findings;
}

export interface SqsFindingsSpillOptions {
  client: SQSClient;
  queueUrl: string;
}

export class SqsFindingsSpill implements FindingsSpill {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsFindingsSpillOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async spill(findings: readonly Finding[], options: SpillOptions): Promise<void> {
    const messages = spillMessages(findings, options.reason);
    for (const [i, message] of messages.entries()) {
      try {
        await this.#client.send(
          new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: message.body }),
          options.signal ? { abortSignal: options.signal } : {},
        );
      } catch (error) {
        throw new FindingsNotSpilledError(
          messages.slice(i).flatMap((m) => m.findings),
          findings.length,
          error,
        );
      }
    }
  }
}
