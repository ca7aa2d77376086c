/**
 * Retention: keeps a stream from growing without bound by safe trims (see `safe-trim.lua`),
 * run in the background at most once per `trimIntervalMs` after sends. A safe trim never
 * removes an entry that some group has not read and acknowledged.
 */
import type { Connection } from './connection.js';
import type { StreamKeys } from './keys.js';
import { safeTrim } from './scripts/index.js';
import { expectOptions, optionalInteger, optionKeys } from './validate.js';
import { toStreamqError } from './redis-errors.js';

/** How much of a stream to keep. */
export interface RetentionOptions {
  /** Keep about this many newest entries (more while groups still need older ones). */
  maxLen?: number;
  /** Remove entries older than this (unless a group still needs them). */
  maxAgeMs?: number;
  /** Least time between two trims. @default 1000 */
  trimIntervalMs?: number;
}

const RETENTION_OPTION_KEYS = optionKeys<RetentionOptions>({ maxLen: true, maxAgeMs: true, trimIntervalMs: true });

/** Runs safe trims after sends, no more often than `trimIntervalMs`. */
export class RetentionKeeper {
  readonly #connection: Connection;
  readonly #keys: StreamKeys;
  readonly #options: RetentionOptions;
  readonly #onError: (error: Error) => void;
  readonly #intervalMs: number;
  #lastTrim = 0;
  #running = false;
  #stopped = false;

  /** Validates retention options; returns them. */
  static validate(value: RetentionOptions | undefined): RetentionOptions {
    const options = expectOptions('retention', value, RETENTION_OPTION_KEYS);
    if (options.maxLen !== undefined) optionalInteger('retention.maxLen', options.maxLen, 0, 0);
    if (options.maxAgeMs !== undefined) optionalInteger('retention.maxAgeMs', options.maxAgeMs, 0, 1);
    optionalInteger('retention.trimIntervalMs', options.trimIntervalMs, 1000, 0);
    return options;
  }

  constructor(connection: Connection, keys: StreamKeys, options: RetentionOptions, onError: (error: Error) => void) {
    this.#connection = connection;
    this.#keys = keys;
    this.#options = options;
    this.#onError = onError;
    this.#intervalMs = options.trimIntervalMs ?? 1000;
  }

  /** Whether any limit is set. */
  get active(): boolean {
    return this.#options.maxLen !== undefined || this.#options.maxAgeMs !== undefined;
  }

  /** Called after each send; trims in the background when due. */
  afterSend(_count: number): void {
    if (!this.active || this.#running || this.#stopped) return;
    const now = Date.now();
    if (now - this.#lastTrim < this.#intervalMs) return;
    this.#lastTrim = now;
    this.#running = true;
    this.trimNow().catch((error: unknown) => this.#onError(toStreamqError(error, 'safe trim', 'redis'))).finally(() => {
      this.#running = false;
    });
  }

  /** Runs one safe trim now; resolves with the number of entries removed. */
  trimNow(): Promise<number> {
    const minId = this.#options.maxAgeMs === undefined ? undefined : `${Math.max(0, Date.now() - this.#options.maxAgeMs)}-0`;
    return safeTrim(this.#connection, this.#keys, { maxLen: this.#options.maxLen, minId, approximate: true, limit: 100_000 });
  }

  /** Stops trimming. */
  stop(): void {
    this.#stopped = true;
  }
}
