/**
 * Option validation with messages in one style: "Expected `name` to be …, got …".
 * Pure functions; each throws {@link InvalidOptionError}.
 */
import { InvalidOptionError } from './errors.js';

/** A short, safe rendering of a value for messages (strings quoted and cut at 60 characters). */
export const describeValue = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
};

/** Checks that `value` is an integer in [min, max]; returns it. */
export function expectInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} and up` : `from ${min} to ${max}`;
    throw new InvalidOptionError(`Expected \`${name}\` to be an integer ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/** Like {@link expectInteger}, but `undefined` yields `fallback`. */
export function optionalInteger(name: string, value: unknown, fallback: number, min: number, max?: number): number {
  return value === undefined ? fallback : expectInteger(name, value, min, max);
}

/** Checks that `value` is a finite number ≥ min; `undefined` yields `fallback`. */
export function optionalNumber(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new InvalidOptionError(`Expected \`${name}\` to be a finite number from ${min} and up, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks that `value` is a boolean; `undefined` yields `fallback`. */
export function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(`Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
  return value;
}

/** Checks that `value` is a function. */
export function expectFunction<F>(name: string, value: unknown): F {
  if (typeof value !== 'function') throw new InvalidOptionError(`Expected \`${name}\` to be a function, got ${describeValue(value)}`);
  return value as F;
}

/** The methods a `logger` option must have. */
export const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;
/** The methods a `registry` option must have. */
export const REGISTRY_METHODS = ['register', 'unregister'] as const;

/** Checks that `value` has the given methods (a logger, a metrics registry); `undefined` yields `fallback`. */
export function optionalMethods<T>(name: string, value: unknown, fallback: T, methods: readonly string[]): T {
  if (value === undefined) return fallback;
  const missing = value === null || (typeof value !== 'object' && typeof value !== 'function')
    || methods.some((method) => typeof (value as Record<string, unknown>)[method] !== 'function');
  if (missing) throw new InvalidOptionError(`Expected \`${name}\` to be an object with methods ${methods.join(', ')}, got ${describeValue(value)}`);
  return value as T;
}

/**
 * Checks a stream, group or consumer name: a non-empty string of at most 1024 characters, with no
 * control characters (they make keys unreadable in redis-cli and logs). Braces, spaces and unicode
 * are allowed.
 */
export function expectName(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError(`Expected \`${name}\` to be a non-empty string, got ${describeValue(value)}`);
  }
  if (value.length > 1024) throw new InvalidOptionError(`Expected \`${name}\` to be at most 1024 characters, got ${value.length}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new InvalidOptionError(`Expected \`${name}\` to contain no control characters, got ${describeValue(value)}`);
  }
  return value;
}

const STREAM_ID = /^\d+(-\d+)?$/;

/** Checks a stream entry ID such as `1700000000000-0`; `special` lists extra accepted words (`$`, `-`, `+`…). */
export function expectStreamId(name: string, value: unknown, special: readonly string[] = []): string {
  if (typeof value === 'string' && (STREAM_ID.test(value) || special.includes(value))) return value;
  const extra = special.length > 0 ? ` or one of ${special.map((s) => `'${s}'`).join(', ')}` : '';
  throw new InvalidOptionError(`Expected \`${name}\` to be a stream ID like '1700000000000-0'${extra}, got ${describeValue(value)}`);
}

/** Checks that `value` is a plain object (not null, not an array); `shape` says what was expected. */
export function expectPlainObject(name: string, value: unknown, shape = 'an object'): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(`Expected \`${name}\` to be ${shape}, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Checks that `value` is a plain object (or undefined, yielding `{}`), for option bags. */
export function expectOptionsObject<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(`Expected \`${name}\` to be an object, got ${describeValue(value)}`);
  }
  return value;
}

/** Every key of `T`, across the members of a union (`keyof` of a union gives only the shared ones). */
type KeysOfUnion<T> = T extends unknown ? keyof T : never;

/**
 * The option names of an options type `T`, as a run-time record for {@link expectKnownKeys}. The
 * compiler checks the record against the type: a missing or an extra name is a compile error, so
 * a new option is one line here beside its declaration, and the list can never drift.
 */
export type OptionKeys<T> = { readonly [K in KeysOfUnion<T> & string]-?: true };

/** Declares the option names of `T` (see {@link OptionKeys}); returns them frozen. */
export function optionKeys<T>(keys: OptionKeys<T>): OptionKeys<T> {
  return Object.freeze({ ...keys });
}

/** Levenshtein distance, stopping early once it exceeds `limit` (option names are short). */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The known name closest to `given`: the same but for case, else at most 2 edits away (and fewer
 * edits than `given` has characters, so `x` suggests nothing), else one that starts with it
 * (`maxPayload` → `maxPayloadBytes`, for 4 characters or more). `undefined` when none is close.
 */
export function closestName(given: string, known: Iterable<string>): string | undefined {
  const lower = given.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const name of known) {
    let score = name.toLowerCase() === lower ? 0 : editDistance(given, name, 2);
    if (score > 2 || score >= given.length) score = given.length >= 4 && name.toLowerCase().startsWith(lower) ? 3 : Number.POSITIVE_INFINITY;
    if (score < bestScore) {
      best = name;
      bestScore = score;
    }
  }
  return best;
}

/** A key as it can be shown in a message: plain when it looks like a name, else quoted and cut short. */
const showKey = (key: string): string => (/^[\w$-]{1,60}$/.test(key) ? key : describeValue(key));

/**
 * Refuses any own key of `value` that `known` does not list (a typo must never be silently
 * ignored): "Unknown option `retention.maxlen`: did you mean `maxLen`?". `path` is the dotted
 * path of the object (`''` for a constructor's options).
 */
export function expectKnownKeys(path: string, value: object, known: Readonly<Record<string, true>>): void {
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(known, key)) continue;
    const shown = path === '' ? showKey(key) : `${path}.${showKey(key)}`;
    const names = Object.keys(known);
    const suggestion = closestName(key, names);
    const hint = suggestion === undefined ? ` (known options${path === '' ? '' : ` of \`${path}\``}: ${names.join(', ')})` : `: did you mean \`${suggestion}\`?`;
    throw new InvalidOptionError(`Unknown option \`${shown}\`${hint}`);
  }
}

/**
 * Checks an options object: a plain object (or undefined, yielding `{}`) whose keys are all
 * `known`. `path` names it in messages: `''` for a constructor's or a method's options, else the
 * option holding it (`retention`).
 */
export function expectOptions<T extends object>(path: string, value: T | undefined, known: OptionKeys<T>): T {
  const options = expectOptionsObject(path === '' ? 'options' : path, value);
  expectKnownKeys(path, options, known);
  return options;
}
