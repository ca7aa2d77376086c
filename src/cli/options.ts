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

/** Commander parser: a TCP port (1–65535). */
export const port = (value: string): number => {
  const n = nonNegativeInt(value);
  if (n < 1 || n > 65535) throw new InvalidArgumentError('expected a port between 1 and 65535.');
  return n;
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
