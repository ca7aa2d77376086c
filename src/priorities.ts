/**
 * Priority levels. A stream with levels `['high', 'default', 'low']` is one stream key per level,
 * all in the stream's cluster slot: `default` is the stream itself (so entries any other client
 * adds arrive at the default level), every other level is `auxKey(stream, 'priority:<level>')`.
 * Producers and consumers of the stream must be given the same levels; they record them in
 * Redis (`auxKey(stream, 'priorities')`) so Admin, the CLI and the dashboard can show each level.
 */
import { InvalidOptionError } from './errors.js';
import { auxKey } from './keys.js';
import { expectName } from './validate.js';

/** The level every stream has: the stream key itself. */
export const DEFAULT_LEVEL = 'default';

/** How consumers choose between levels. */
export type PriorityMode = 'strict' | 'weighted';

/** Priority levels of a stream, highest first. */
export interface Levels {
  /** Level names, highest first. */
  readonly names: readonly string[];
  /** Their stream keys, in the same order. */
  readonly streams: readonly string[];
  /** Their weights, in the same order (weighted mode). */
  readonly weights: readonly number[];
}

/** The stream key of `level` of `stream`. */
export function levelStream(stream: string, level: string): string {
  return level === DEFAULT_LEVEL ? stream : auxKey(stream, `priority:${level}`);
}

/** The key where a stream's levels are recorded. */
export function levelsKey(stream: string): string {
  return auxKey(stream, 'priorities');
}

/**
 * Checks a `priorities` option (and `priorityWeights`); `undefined` → a single default level.
 * Default weights halve from one level to the next (4/2/1 for three levels).
 */
export function resolveLevels(stream: string, priorities: unknown, weights: unknown): Levels {
  if (priorities === undefined) {
    if (weights !== undefined) throw new InvalidOptionError('Expected `priorityWeights` only together with `priorities`');
    return { names: [DEFAULT_LEVEL], streams: [stream], weights: [1] };
  }
  if (!Array.isArray(priorities) || priorities.length < 2 || priorities.length > 10) {
    throw new InvalidOptionError(`Expected \`priorities\` to be an array of 2 to 10 level names, highest first, including '${DEFAULT_LEVEL}', got ${Array.isArray(priorities) ? `${priorities.length} names` : typeof priorities}`);
  }
  const names = priorities.map((name, i) => expectName(`priorities[${i}]`, name));
  if (new Set(names).size !== names.length) throw new InvalidOptionError(`Expected \`priorities\` to have no level twice, got ${JSON.stringify(names)}`);
  if (!names.includes(DEFAULT_LEVEL)) {
    throw new InvalidOptionError(`Expected \`priorities\` to include '${DEFAULT_LEVEL}' (the stream itself, where other clients' entries arrive), got ${JSON.stringify(names)}`);
  }
  let resolvedWeights = names.map((_name, i) => 2 ** (names.length - 1 - i));
  if (weights !== undefined) {
    if (!Array.isArray(weights) || weights.length !== names.length || weights.some((w) => typeof w !== 'number' || !Number.isFinite(w) || w <= 0)) {
      throw new InvalidOptionError(`Expected \`priorityWeights\` to be ${names.length} positive numbers, one per level, got ${JSON.stringify(weights)}`);
    }
    resolvedWeights = weights as number[];
  }
  return { names, streams: names.map((name) => levelStream(stream, name)), weights: resolvedWeights };
}

/** A level's index by name, or an error naming the known levels. */
export function levelIndex(levels: Levels, level: string): number {
  const index = levels.names.indexOf(level);
  if (index === -1) throw new InvalidOptionError(`Unknown priority ${JSON.stringify(level)}: expected one of ${levels.names.map((n) => `'${n}'`).join(', ')}`);
  return index;
}

/**
 * The order in which to read the levels this round: by rank in strict mode; in weighted mode, a
 * weighted random order (each level first with probability weight / total), so that with every
 * level backlogged each gets its share and none starves.
 */
export function readOrder(levels: Levels, mode: PriorityMode, random: () => number = Math.random): number[] {
  const indexes = levels.names.map((_name, i) => i);
  if (mode === 'strict' || indexes.length === 1) return indexes;
  const order: number[] = [];
  const left = [...indexes];
  while (left.length > 0) {
    const total = left.reduce((sum, i) => sum + (levels.weights[i] as number), 0);
    let pick = random() * total;
    let chosen = left.length - 1;
    for (let j = 0; j < left.length; j++) {
      pick -= levels.weights[left[j] as number] as number;
      if (pick < 0) { chosen = j; break; }
    }
    order.push(left.splice(chosen, 1)[0] as number);
  }
  return order;
}
