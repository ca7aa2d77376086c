/**
 * Running a Lua script: EVALSHA first (the script body is not re-sent), EVAL when Redis does
 * not have it cached (after a restart or a SCRIPT FLUSH). Keys are passed separately, so a
 * cluster client routes the call to the slot of the first key.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Connection } from '../connection.js';
import { isRedisError } from '../redis-errors.js';

/** A Lua script loaded from `src/scripts/<name>.lua`. */
export class LuaScript {
  /** The file's base name, for messages. */
  readonly name: string;
  readonly #source: string;
  readonly #sha: string;

  constructor(name: string) {
    this.name = name;
    this.#source = readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');
    this.#sha = createHash('sha1').update(this.#source).digest('hex');
  }

  /** Runs the script with `keys` (all in one slot) and `args`. */
  async run<T>(connection: Connection, keys: readonly string[], args: readonly string[]): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await connection.send<T>(keys[0], ['EVALSHA', this.#sha, ...tail]);
    } catch (error) {
      if (!isRedisError(error, 'NOSCRIPT')) throw error;
      return connection.send<T>(keys[0], ['EVAL', this.#source, ...tail]);
    }
  }
}
