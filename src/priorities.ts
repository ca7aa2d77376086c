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

/** One step of a read round: read up to `count` new entries from the level at `index`. */
export interface ReadStep {
  index: number;
  count: number;
}

/**
 * Plans each read round over the levels. Strict: the levels by rank, each offered the whole room
 * (a lower level gets only what the higher ones left). Weighted: the room is shared out slot by
 * slot with smooth weighted round robin (the nginx algorithm), whose running state carries over
 * from round to round, so that while every level is backlogged each gets exactly its share of
 * the messages read — none is ever starved, and no randomness is involved.
 */
export class ReadPlanner {
  readonly #levels: Levels;
  readonly #mode: PriorityMode;
  readonly #current: number[];
  readonly #total: number;

  constructor(levels: Levels, mode: PriorityMode) {
    this.#levels = levels;
    this.#mode = mode;
    this.#current = levels.weights.map(() => 0);
    this.#total = levels.weights.reduce((sum, w) => sum + w, 0);
  }

  /** The steps of one round for `room` entries, in the order to read them. */
  plan(room: number): ReadStep[] {
    const count = this.#levels.names.length;
    if (this.#mode === 'strict' || count === 1) return this.#levels.names.map((_name, index) => ({ index, count: room }));
    const shares = new Array<number>(count).fill(0);
    const order: number[] = [];
    for (let slot = 0; slot < room; slot++) {
      let best = 0;
      for (let i = 0; i < count; i++) {
        this.#current[i] = (this.#current[i] as number) + (this.#levels.weights[i] as number);
        if ((this.#current[i] as number) > (this.#current[best] as number)) best = i;
      }
      this.#current[best] = (this.#current[best] as number) - this.#total;
      if (shares[best] === 0) order.push(best);
      shares[best] = (shares[best] as number) + 1;
    }
    return order.map((index) => ({ index, count: shares[index] as number }));
  }
}
