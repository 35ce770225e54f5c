/**
 * Notifier for the CLI's offline demo: each page or all-clear printed as the SNS adapter would send
 * it (topic of the team, subject, attributes, JSON message), so `npm start` shows the real message.
 */
import type { Notification, Notifier } from '../ports/notifier.ts';
import type { TextSink } from './local-metrics.ts';
import { type ConsoleLinkOptions, publishInput } from './sns-notifier.ts';

export class LocalNotifier implements Notifier {
  readonly #sink: TextSink;
  readonly #links: ConsoleLinkOptions;

  constructor(sink: TextSink, options: { links: ConsoleLinkOptions }) {
    this.#sink = sink;
    this.#links = options.links;
  }

  async publish(notification: Notification): Promise<void> {
    const input = publishInput(notification, `local:${notification.team}`, this.#links);
    const attributes = Object.entries(input.MessageAttributes ?? {})
      .map(([name, value]) => `${name}=${value.StringValue}`)
      .join(' ');
    this.#sink.write(
      `${notification.kind} → ${notification.team}: ${input.Subject}\n  attributes: ${attributes}\n` +
        `${(input.Message ?? '').replace(/^/gm, '  ')}\n`,
    );
  }
}
