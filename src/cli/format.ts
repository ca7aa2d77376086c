import { displayText } from '../dashboard/assets/text.js';

/** A table cell: text, a number, or nothing (printed as `-`). */
export type Cell = string | number | boolean | null | undefined;

/** Options of {@link renderTable}. */
export interface TableOptions {
  /** Cells longer than this are cut with `…` (default 60). */
  maxWidth?: number;
  /** What to print instead of a table with no rows (default `(none)`). */
  empty?: string;
}

/**
 * Makes untrusted text safe for a terminal: control characters (ANSI escapes, newlines,
 * carriage returns…) become visible `\xNN` / `\n` escapes and bidi controls `\uXXXX`, so a
 * stream name or a message cannot move the cursor, recolour the screen, forge lines or reorder
 * what is shown. The same function the dashboard page uses (dashboard/assets/text.js).
 */
export const sanitize = (text: string): string => displayText(text);

/** Cuts `text` to `max` characters, ending with `…` when cut. */
export const truncate = (text: string, max: number): string =>
  [...text].length <= max ? text : `${[...text].slice(0, Math.max(1, max - 1)).join('')}…`;

const cellText = (cell: Cell, maxWidth: number): string => {
  if (cell === null || cell === undefined || cell === '') return '-';
  return truncate(sanitize(String(cell)), maxWidth);
};

const width = (text: string): number => [...text].length;

/**
 * Renders rows as an aligned plain-text table with a header line; numbers are right-aligned.
 * Cell text is {@link sanitize}d and cut to `maxWidth`.
 */
export const renderTable = (headers: string[], rows: Cell[][], options: TableOptions = {}): string => {
  if (rows.length === 0) return options.empty ?? '(none)';
  const maxWidth = options.maxWidth ?? 60;
  const texts = rows.map((row) => headers.map((_, i) => cellText(row[i], maxWidth)));
  const numeric = headers.map((_, i) => rows.every((row) => row[i] === null || row[i] === undefined || typeof row[i] === 'number'));
  const widths = headers.map((h, i) => Math.max(width(h), ...texts.map((t) => width(t[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(c)));
        return numeric[i] ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...texts.map(line)].join('\n');
};

/** A duration in a short human form: `850ms`, `12.3s`, `4m 05s`, `3h 07m`, `2d 04h`. */
export const formatDuration = (ms: number | null | undefined): string => {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const two = (n: number): string => String(Math.floor(n)).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${two((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${two((s % 86400) / 3600)}h`;
};

/** `value` as compact JSON, or `String(value)` when it cannot be serialised. */
export const compactJson = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};
