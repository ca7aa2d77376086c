/**
 * Option validation with messages in one style: "Expected `name` to be …, got …".
 * Pure functions; each throws {@link InvalidOptionError}.
 */
import { InvalidOptionError } from './errors.js';

const describe = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
};

/** Checks that `value` is an integer in [min, max]; returns it. */
export function expectInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `from ${min} and up` : `from ${min} to ${max}`;
    throw new InvalidOptionError(`Expected \`${name}\` to be an integer ${range}, got ${describe(value)}`);
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
    throw new InvalidOptionError(`Expected \`${name}\` to be a finite number from ${min} and up, got ${describe(value)}`);
  }
  return value;
}

/** Checks that `value` is a boolean; `undefined` yields `fallback`. */
export function optionalBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(`Expected \`${name}\` to be a boolean, got ${describe(value)}`);
  return value;
}

/** Checks that `value` is a function. */
export function expectFunction<F>(name: string, value: unknown): F {
  if (typeof value !== 'function') throw new InvalidOptionError(`Expected \`${name}\` to be a function, got ${describe(value)}`);
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
  if (missing) throw new InvalidOptionError(`Expected \`${name}\` to be an object with methods ${methods.join(', ')}, got ${describe(value)}`);
  return value as T;
}

/**
 * Checks a stream, group or consumer name: a non-empty string of at most 1024 characters, with no
 * control characters (they make keys unreadable in redis-cli and logs). Braces, spaces and unicode
 * are allowed.
 */
export function expectName(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError(`Expected \`${name}\` to be a non-empty string, got ${describe(value)}`);
  }
  if (value.length > 1024) throw new InvalidOptionError(`Expected \`${name}\` to be at most 1024 characters, got ${value.length}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new InvalidOptionError(`Expected \`${name}\` to contain no control characters, got ${describe(value)}`);
  }
  return value;
}

const STREAM_ID = /^\d+(-\d+)?$/;

/** Checks a stream entry ID such as `1700000000000-0`; `special` lists extra accepted words (`$`, `-`, `+`…). */
export function expectStreamId(name: string, value: unknown, special: readonly string[] = []): string {
  if (typeof value === 'string' && (STREAM_ID.test(value) || special.includes(value))) return value;
  const extra = special.length > 0 ? ` or one of ${special.map((s) => `'${s}'`).join(', ')}` : '';
  throw new InvalidOptionError(`Expected \`${name}\` to be a stream ID like '1700000000000-0'${extra}, got ${describe(value)}`);
}

/** Checks that `value` is a plain object (or undefined, yielding `{}`), for option bags. */
export function expectOptionsObject<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(`Expected \`${name}\` to be an object, got ${describe(value)}`);
  }
  return value;
}
