import { InvalidArgumentError } from 'commander';

const ID = /^\d{1,20}(-\d{1,20})?$/;

/** Whether `id` is a stream entry ID (`1700000000000-0` or `1700000000000`). */
export const isEntryId = (id: string): boolean => ID.test(id);

/** Commander parser: an integer ≥ 1. */
export const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer ≥ 1.');
  return n;
};

/** Commander parser: an integer ≥ 0. */
export const nonNegativeInt = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer ≥ 0.');
  return n;
};

/** Commander parser maker: an integer from `min` to `max`. */
export const intFrom = (min: number, max: number) => (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}.`);
  return n;
};

/** Commander parser: a TCP port to listen on (0–65535; 0 lets the system pick a free one). */
export const port = (value: string): number => {
  const n = nonNegativeInt(value);
  if (n > 65535) throw new InvalidArgumentError('expected a port between 0 and 65535 (0: any free port).');
  return n;
};

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Commander parser: a duration in milliseconds, as `90000`, `500ms`, `90s`, `30m`, `2h` or `1d`. */
export const duration = (value: string): number => {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (DURATION_UNITS[match[2] ?? 'ms'] as number) : Number.NaN;
  if (!Number.isSafeInteger(Math.round(ms)) || !match) throw new InvalidArgumentError('expected a duration such as 30m, 90s, 2h or milliseconds.');
  return Math.round(ms);
};

/** Commander parser: an entry ID. */
export const entryId = (value: string): string => {
  if (!isEntryId(value)) throw new InvalidArgumentError('expected a stream entry ID such as 1700000000000-0.');
  return value;
};

/** Commander parser: a range bound, an entry ID or `-` / `+`. */
export const rangeBound = (value: string): string => {
  if (value === '-' || value === '+') return value;
  return entryId(value);
};

/** Commander parser: where a group starts, `0`, `$` or an entry ID. */
export const startAt = (value: string): string => {
  if (value === '$' || value === '0') return value;
  return entryId(value);
};

/** Commander parser for a repeatable option: collects each value into an array. */
export const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Commander parser for a repeatable entry-ID option. */
export const collectIds = (value: string, previous: string[] | undefined): string[] => collect(entryId(value), previous);

/** Commander parser for a repeatable `key=value` option, collected into a record. */
export const collectHeader = (value: string, previous: Record<string, string> | undefined): Record<string, string> => {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected key=value.');
  return { ...(previous ?? {}), [value.slice(0, at)]: value.slice(at + 1) };
};

/**
 * The ID just after `id` (same millisecond, sequence + 1), to page through a stream with an
 * inclusive start.
 */
export const nextId = (id: string): string => {
  const [ms = '0', seq = '0'] = id.split('-');
  return `${ms}-${(BigInt(seq) + 1n).toString()}`;
};
