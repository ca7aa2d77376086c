/**
 * Option checks the scheduler needs beyond src/validate.ts: plain objects and unknown keys
 * ("Unknown option `spec.evryMs`: did you mean `everyMs`?"). A typo must never be silently ignored.
 */
import { InvalidOptionError } from '../errors.js';

/** A short, safe rendering of a value for messages (strings quoted and cut at 60 characters). */
export const describeValue = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
};

/** Checks that `value` is a plain object (not null, not an array); `shape` says what was expected. */
export function expectPlainObject(name: string, value: unknown, shape = 'an object'): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(`Expected \`${name}\` to be ${shape}, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Levenshtein distance between two short names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known name closest to `given` (same but for case, or at most 2 edits away), if any. */
function closestName(given: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of known) {
    const distance = name.toLowerCase() === given.toLowerCase() ? 0 : editDistance(given, name);
    if (distance < bestDistance && distance < given.length) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Refuses any own key of `value` that `known` does not list; `path` prefixes the name in the message. */
export function refuseUnknownKeys(path: string, value: object, known: Readonly<Record<string, true>>): void {
  const names = Object.keys(known);
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(known, key)) continue;
    const shown = /^[\w$-]{1,60}$/.test(key) ? key : describeValue(key);
    const full = path === '' ? shown : `${path}.${shown}`;
    const near = closestName(key, names);
    throw new InvalidOptionError(`Unknown option \`${full}\`${near === undefined ? `: expected one of ${names.map((n) => `\`${n}\``).join(', ')}` : `: did you mean \`${near}\`?`}`);
  }
}
