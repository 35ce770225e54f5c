/**
 * Terminal colors, decided once per output stream: only on a TTY, and never when NO_COLOR is set
 * (tty.WriteStream#hasColors reads NO_COLOR, NODE_DISABLE_COLORS, FORCE_COLOR and TERM=dumb).
 * Formatters take a `Paint` so they stay pure and testable with colors on or off.
 */
import { styleText } from 'node:util';
import type { Status } from '../../shared/probes/types.ts';

export type StyleFormat = Parameters<typeof styleText>[0];
export type Paint = (format: StyleFormat, text: string) => string;

export const plain: Paint = (_format, text) => text;
/** The stream was already checked by `colorsFor`, so styleText must not second-guess it. */
export const colored: Paint = (format, text) => styleText(format, text, { validateStream: false });

export function colorsFor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && typeof stream.hasColors === 'function' && stream.hasColors();
}

export function painter(color: boolean): Paint {
  return color ? colored : plain;
}

export const STATUS_STYLE: Record<Status, StyleFormat> = {
  up: 'green',
  degraded: 'yellow',
  down: ['red', 'bold'],
};
