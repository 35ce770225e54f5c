/**
 * A plain-text table: columns padded to their widest cell, numbers right-aligned.
 * Cells are padded before they are painted, so ANSI color codes never skew the alignment.
 */
import type { Paint, StyleFormat } from './style.ts';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export interface Cell {
  text: string;
  style?: StyleFormat;
}

export type Row = (Cell | string)[];

const GAP = '  ';

export function renderTable(columns: Column[], rows: Row[], paint: Paint): string[] {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'string' ? { text: cell } : cell)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => row[i]?.text.length ?? 0)),
  );
  const line = (row: Cell[]): string =>
    columns
      .map((column, i) => {
        const cell = row[i] ?? { text: '' };
        const width = widths[i] ?? 0;
        const last = i === columns.length - 1;
        const padded =
          column.align === 'right' ? cell.text.padStart(width) : last ? cell.text : cell.text.padEnd(width);
        return cell.style ? paint(cell.style, padded) : padded;
      })
      .join(GAP)
      .trimEnd();
  const header = line(columns.map((column) => ({ text: column.header, style: 'bold' as const })));
  return [header, ...cells.map(line)];
}
