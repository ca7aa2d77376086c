// Numbers, rates, durations and times as the page shows them. Every time carries its zone.
import { displayText } from '../assets/text.js';

/** Text from Redis, safe to show on one line (control and bidi characters made visible). */
export const safe = (value: unknown): string => displayText(String(value));

const integer = new Intl.NumberFormat('en-US');
/** `1,234,567`, or `–` for null. */
export const num = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : integer.format(n));

/** A rate: `12.3/s`, `1.2k/s`; `–` for null. */
export const rate = (n: number | null | undefined): string => {
  if (n === null || n === undefined) return '–';
  if (n >= 1000) return `${(n / 1000).toFixed(n >= 10_000 ? 0 : 1)}k/s`;
  return `${n >= 10 || n === 0 ? Math.round(n) : n.toFixed(1)}/s`;
};

/** A duration: `850 ms`, `42 s`, `5 min 3 s`, `2 h 10 min`, `3 d 4 h`; `–` for null. */
export const duration = (ms: number | null | undefined): string => {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
};

/** Bytes as `1.5 MiB`. */
export const bytes = (n: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
};

const timeFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short' });
const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short' });

/** A date and time with its zone; `–` for null or invalid. */
export const time = (value: string | number | Date | null | undefined): string => {
  if (value === null || value === undefined) return '–';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '–' : timeFormat.format(date);
};

/** A time of day with its zone (`03:12:45 UTC`). */
export const clock = (value: string | number | Date): string => clockFormat.format(new Date(value));

/** The time an entry ID was created (its milliseconds part). */
export const idTime = (id: string | null | undefined): string => (id ? time(Number(id.split('-')[0])) : '–');

/** Pretty JSON of a string that holds JSON, else `null`. */
export const prettyJson = (text: string): string | null => {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? JSON.stringify(parsed, null, 2) : null;
  } catch {
    return null;
  }
};
