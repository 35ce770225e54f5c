/**
 * Terminal colors, decided once per output stream: on a TTY unless NO_COLOR is set
 * (tty.WriteStream#hasColors reads NO_COLOR, NODE_DISABLE_COLORS and TERM=dumb), or wherever
 * FORCE_COLOR says so.
 * Formatters take a `Paint` so they stay pure and testable with colors on or off.
 */
import { styleText } from 'node:util';
import type { Status } from '../../shared/probes/types.ts';

export type StyleFormat = Parameters<typeof styleText>[0];
export type Paint = (format: StyleFormat, text: string) => string;

export const plain: Paint = (_format, text) => text;
/** The stream was already checked by `colorsFor`, so styleText must not second-guess it. */
export const colored: Paint = (format, text) => styleText(format, text, { validateStream: false });

/**
 * FORCE_COLOR (any value but "0" or "false", as Node and the npm ecosystem read it) forces colors even
 * into a pipe and wins over NO_COLOR; otherwise only a TTY that says it has colors gets them.
 */
export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
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
