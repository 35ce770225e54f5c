/**
 * Notifier for the CLI's offline demo: each page, all-clear or probe region's notice printed as the
 * SNS adapter would send it (topic of the team, subject, attributes, JSON message), so `npm start`
 * shows the real message.
 */
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { NoticeNotifier, Notification, Notifier, VantageNotice } from '../ports/notifier.ts';
import type { TextSink } from './local-metrics.ts';
import { type ConsoleLinkOptions, noticeInput, publishInput } from './sns-notifier.ts';

export class LocalNotifier implements Notifier, NoticeNotifier {
  readonly #sink: TextSink;
  readonly #links: ConsoleLinkOptions;

  constructor(sink: TextSink, options: { links: ConsoleLinkOptions }) {
    this.#sink = sink;
    this.#links = options.links;
  }

  async publish(notification: Notification): Promise<void> {
    this.#print(notification, publishInput(notification, `local:${notification.team}`, this.#links));
  }

  async publishNotice(notice: VantageNotice): Promise<void> {
    this.#print(notice, noticeInput(notice, `local:${notice.team}`));
  }

  #print(sent: { kind: string; team: string }, input: PublishCommandInput): void {
    const attributes = Object.entries(input.MessageAttributes ?? {})
      .map(([name, value]) => `${name}=${value.StringValue}`)
      .join(' ');
    this.#sink.write(
      `${sent.kind} → ${sent.team}: ${input.Subject}\n  attributes: ${attributes}\n` +
        `${(input.Message ?? '').replace(/^/gm, '  ')}\n`,
    );
  }
}
