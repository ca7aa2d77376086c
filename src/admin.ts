/**
 * Admin: inspection and maintenance over the public data model — streams, groups, consumers,
 * lag, pending entries, dead letters (list, replay, purge), safe trims. The CLI and the
 * dashboard are built on it.
 */
import { connect, validateRedisOption, type Connection, type RedisOption } from './connection.js';
import {
  ADMIN_OPTION_KEYS, CREATE_GROUP_KEYS, DEAD_LETTER_ENTRY_KEYS, DEAD_LETTERS_KEYS, DELAYED_KEYS, DELETE_CONSUMER_KEYS, expectDelayedId, expectIds,
  expectKeyName, PAUSE_KEYS, PENDING_KEYS, PRUNE_KEYS, RANGE_SPECIAL, RATE_STATE_KEYS, READ_KEYS, SEARCH_KEYS, SELECTION_KEYS, TRIM_KEYS,
  type AdminOptions, type DeadLetterSelection,
} from './admin-options.js';

export type { AdminOptions, DeadLetterSelection } from './admin-options.js';
import type {
  ConsumerInfo, DeadLetter, DeleteConsumerResult, KeyConcurrencyState, PendingEntry, RateLimitState, StreamEntry, StreamStats,
} from './admin-types.js';
import { readKeyConcurrency, readRateLimitState } from './admission/state.js';
import { forEachDeadLetterPage, parseDeadLetter } from './admin-dead-letters.js';
import { DEFAULT_ADMIN_COMMAND_TIMEOUT_MS, timedConnection, withTimeout } from './admin-timeout.js';
import { readLevels, streamStats } from './admin-stats.js';
import { parseXinfoConsumers } from './commands/xinfo.js';
import { parseXpending, xpendingArgs } from './commands/xpending.js';
import { toEntries } from './commands/replies.js';
import { fieldsToObject } from './codec.js';
import { deleteConsumer } from './scripts/consumers.js';
import { ClosedError, InvalidOptionError } from './errors.js';
import { auxBaseOf, gateKeys, streamKeys } from './keys.js';
import { isRedisError } from './redis-errors.js';
import { pauseGroup, replayDeadLetters, safeTrim } from './scripts/index.js';
import {
  expectInteger, expectName, expectOptions, expectStreamId, LOGGER_METHODS, optionalBoolean, optionalInteger, optionalMethods,
} from './validate.js';
import { silentLogger, type Logger } from './logger.js';
import { scheduleKeys } from './keys.js';
import { readSchedules } from './scheduler/store.js';
import { removeSchedule } from './scheduler/scripts.js';
import type { ScheduleInfo } from './scheduler/types.js';
import { cancelDelayedMessage, listDelayed, runDelayedNow, type DelayedPage } from './admin-delayed.js';
import { ackEntries, claimEntries, deadLetterEntry } from './admin-pending-ops.js';
import { searchDeadLetters, type DeadLetterQuery, type DeadLetterSearchPage } from './admin-search.js';
import { readServerInfo, type ServerInfo } from './admin-server.js';
import { readSnapshot, type StreamSnapshot } from './admin-overview.js';
import type { DeadLetterOutcome } from './scripts/index.js';

/**
 * Inspects and maintains streams.
 *
 * @example
 * ```ts
 * const admin = new Admin({ redis: 'redis://127.0.0.1:6379' });
 * console.log(await admin.stats('orders'));
 * await admin.close();
 * ```
 */
export class Admin {
  readonly #redis: RedisOption | undefined;
  readonly #connectTimeoutMs: number;
  readonly #logger: Logger;
  readonly #commandTimeoutMs: number;
  #connection: Promise<Connection> | undefined;
  #closed = false;

  constructor(options: AdminOptions = {}) {
    const opts = expectOptions('', options, ADMIN_OPTION_KEYS);
    validateRedisOption(opts.redis);
    this.#redis = opts.redis;
    this.#connectTimeoutMs = optionalInteger('connectTimeoutMs', opts.connectTimeoutMs, 5_000, 1);
    this.#logger = optionalMethods('logger', opts.logger, silentLogger, LOGGER_METHODS);
    this.#commandTimeoutMs = optionalInteger('commandTimeoutMs', opts.commandTimeoutMs, DEFAULT_ADMIN_COMMAND_TIMEOUT_MS, 1);
  }

  /** The connection, each command limited to `commandTimeoutMs`; waiting for it to open is limited too. */
  #conn(): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ClosedError('Admin is closed'));
    if (this.#connection === undefined) {
      const ms = this.#commandTimeoutMs;
      const pending = connect(this.#redis, { onError: (error) => this.#logger.warn(error.message), connectTimeoutMs: this.#connectTimeoutMs })
        .then((connection) => timedConnection(connection, ms));
      this.#connection = pending;
      pending.catch(() => { this.#connection = undefined; });
    }
    return withTimeout(this.#connection, this.#commandTimeoutMs, 'a connection attempt');
  }

  /** Names of the streams in the database (SCAN TYPE stream; on a cluster, of every master), sorted; the dead-letter streams of listed streams left out. */
  async listStreams(): Promise<string[]> {
    const connection = await this.#conn();
    const nodes = connection.masters ? await connection.masters() : [connection];
    if (connection.isCluster && !connection.masters) throw new InvalidOptionError('listStreams needs a single-node connection: on a cluster, name the streams');
    const names = new Set<string>();
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.send<[string, string[]]>(undefined, ['SCAN', cursor, 'COUNT', '1000', 'TYPE', 'stream']);
        cursor = String(next);
        for (const key of keys) names.add(key);
      } while (cursor !== '0');
    }
    // A priority level's stream stands for its stream, even when nothing was sent to the default
    // level (so the stream key itself does not exist yet).
    for (const name of [...names]) {
      const base = auxBaseOf(name);
      if (base !== undefined && name !== streamKeys(base).dead) names.add(base);
    }
    // An auxiliary stream is hidden when the stream it belongs to is listed (a user stream that only
    // looks like one, such as `x::dead`, stays).
    return [...names].filter((name) => {
      const base = auxBaseOf(name);
      return base === undefined || !names.has(base);
    }).sort();
  }

  /**
   * Length, first and last IDs, groups (consumers, pending, lag, paused), dead letters and delayed
   * messages of a stream, and of each of its priority levels when it has them.
   */
  async stats(stream: string): Promise<StreamStats> {
    expectKeyName('stream', stream);
    return streamStats(await this.#conn(), stream);
  }

  /** The consumers of a group. */
  async consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    const connection = await this.#conn();
    return parseXinfoConsumers(await connection.send(expectKeyName('stream', stream), ['XINFO', 'CONSUMERS', stream, expectKeyName('group', group)]));
  }

  /** Pending entries of a group with owner, idle time and delivery counter. */
  async pending(stream: string, group: string, input: { count?: number; consumer?: string; minIdleMs?: number; start?: string; end?: string } = {}): Promise<PendingEntry[]> {
    const options = expectOptions('', input, PENDING_KEYS);
    const connection = await this.#conn();
    const count = optionalInteger('count', options.count, 100, 1, 100_000);
    const start = expectStreamId('start', options.start ?? '-', RANGE_SPECIAL);
    const end = expectStreamId('end', options.end ?? '+', RANGE_SPECIAL);
    const args = xpendingArgs(expectKeyName('stream', stream), expectKeyName('group', group), start, end, count, {
      consumer: options.consumer, minIdleMs: options.minIdleMs,
    });
    return parseXpending(await connection.send(stream, args));
  }

  /** Raw entries of a stream, oldest first (or newest first with `reverse`). */
  async read(stream: string, input: { start?: string; end?: string; count?: number; reverse?: boolean } = {}): Promise<StreamEntry[]> {
    const options = expectOptions('', input, READ_KEYS);
    const connection = await this.#conn();
    const count = optionalInteger('count', options.count, 50, 1, 100_000);
    const start = expectStreamId('start', options.start ?? '-', RANGE_SPECIAL);
    const end = expectStreamId('end', options.end ?? '+', RANGE_SPECIAL);
    const reverse = optionalBoolean('reverse', options.reverse, false);
    const args = reverse ? ['XREVRANGE', stream, end, start, 'COUNT', String(count)] : ['XRANGE', stream, start, end, 'COUNT', String(count)];
    return toEntries(await connection.send(expectKeyName('stream', stream), args)).map((e) => ({ id: e.id, fields: fieldsToObject(e.fields ?? []) }));
  }

  /**
   * Dead letters of a stream, oldest first (newest first with `reverse`). Never throws on a
   * malformed dead letter: its unknown metadata fields are `null`.
   */
  async deadLetters(stream: string, input: { count?: number; start?: string; end?: string; reverse?: boolean } = {}): Promise<DeadLetter[]> {
    const options = expectOptions('', input, DEAD_LETTERS_KEYS);
    const connection = await this.#conn();
    const keys = streamKeys(expectKeyName('stream', stream));
    const count = optionalInteger('count', options.count, 100, 1, 100_000);
    const start = expectStreamId('start', options.start ?? '-', RANGE_SPECIAL);
    const end = expectStreamId('end', options.end ?? '+', RANGE_SPECIAL);
    const args = optionalBoolean('reverse', options.reverse, false)
      ? ['XREVRANGE', keys.dead, end, start, 'COUNT', String(count)]
      : ['XRANGE', keys.dead, start, end, 'COUNT', String(count)];
    return toEntries(await connection.send(keys.dead, args)).map((e) => parseDeadLetter(e.id, e.fields ?? []));
  }

  /**
   * Applies `each` to the selected dead letters in pages. `all` means the dead letters that exist
   * when the call starts (up to the newest ID read first), each once: one that is added meanwhile
   * (a replayed message failing again at once) is left alone.
   */
  async #selectedDeadIds(connection: Connection, stream: string, selection: DeadLetterSelection, each: (ids: string[]) => Promise<number>): Promise<number> {
    const opts = expectOptions('selection', selection, SELECTION_KEYS);
    if (opts.ids !== undefined) {
      if (!Array.isArray(opts.ids)) throw new InvalidOptionError('Expected `ids` to be an array of dead-letter IDs');
      const ids = opts.ids.map((id, i) => expectStreamId(`ids[${i}]`, id));
      let done = 0;
      for (let i = 0; i < ids.length; i += 500) done += await each(ids.slice(i, i + 500));
      return done;
    }
    if (opts.all !== true) throw new InvalidOptionError('Expected `ids` or `all: true` to say which dead letters');
    return forEachDeadLetterPage(connection, streamKeys(stream).dead, each);
  }

  /**
   * Moves dead letters back into their stream as new entries (every group sees them again);
   * returns how many. `{ all: true }` replays the dead letters that exist when the call starts,
   * each once, even while a consumer dead-letters replayed messages again at once.
   */
  async replayDeadLetters(stream: string, selection: DeadLetterSelection): Promise<number> {
    expectOptions('selection', selection, SELECTION_KEYS);
    const connection = await this.#conn();
    const keys = streamKeys(expectName('stream', stream));
    // A dead letter of a priority level goes back to that level's stream.
    const levels = (await readLevels(connection, stream))?.filter((level) => level.stream !== stream) ?? [];
    return this.#selectedDeadIds(connection, stream, selection, async (ids) => (await replayDeadLetters(connection, keys, ids, levels)).length);
  }

  /** Deletes dead letters; returns how many. `{ all: true }` deletes those that exist when the call starts. */
  async purgeDeadLetters(stream: string, selection: DeadLetterSelection): Promise<number> {
    expectOptions('selection', selection, SELECTION_KEYS);
    const connection = await this.#conn();
    const keys = streamKeys(expectName('stream', stream));
    return this.#selectedDeadIds(connection, stream, selection, async (ids) => Number(await connection.send(keys.dead, ['XDEL', keys.dead, ...ids])));
  }

  /**
   * Creates a group (and the stream if missing); false when it existed.
   * @param options.startAt - where the group starts: `'0'` (every entry, as a Consumer's
   * `startAt` by default), `'$'` (only new entries) or an entry ID. @default '0'
   */
  async createGroup(stream: string, group: string, input: { startAt?: string } = {}): Promise<boolean> {
    const options = expectOptions('', input, CREATE_GROUP_KEYS);
    const connection = await this.#conn();
    const startAt = expectStreamId('startAt', options.startAt ?? '0', ['$']);
    try {
      await connection.send(expectName('stream', stream), ['XGROUP', 'CREATE', stream, expectName('group', group), startAt, 'MKSTREAM']);
      return true;
    } catch (error) {
      if (isRedisError(error, 'BUSYGROUP')) return false;
      throw error;
    }
  }

  /** Deletes a group and its pending entries list; false when it did not exist. */
  async deleteGroup(stream: string, group: string): Promise<boolean> {
    const connection = await this.#conn();
    return Number(await connection.send(expectName('stream', stream), ['XGROUP', 'DESTROY', stream, expectName('group', group)])) === 1;
  }

  /** Moves a group's last-delivered ID (XGROUP SETID), e.g. '0' to deliver everything again. */
  async resetGroup(stream: string, group: string, id: string): Promise<void> {
    const connection = await this.#conn();
    await connection.send(expectName('stream', stream), ['XGROUP', 'SETID', stream, expectName('group', group), expectStreamId('id', id, ['$'])]);
  }

  /**
   * Removes a consumer from a group (XGROUP DELCONSUMER), so consumers that are gone do not pile
   * up. Refused (`deleted: false`, with the count in `pending`) while it holds pending entries,
   * unless `force: true`: those entries then leave the group's pending entries list, and the
   * group never delivers them again. Check and deletion are one atomic script.
   * @param options.force - delete even when it holds pending entries. @default false
   * @throws RedisCommandError (NOGROUP) when the stream or the group does not exist.
   */
  async deleteConsumer(stream: string, group: string, consumer: string, options: { force?: boolean } = {}): Promise<DeleteConsumerResult> {
    const connection = await this.#conn();
    const force = optionalBoolean('force', expectOptions('', options, DELETE_CONSUMER_KEYS).force, false);
    const keys = streamKeys(expectName('stream', stream));
    return deleteConsumer(connection, keys, { group: expectName('group', group), consumer: expectKeyName('consumer', consumer), force, minIdleMs: 0 });
  }

  /**
   * Deletes the consumers of a group that were idle for longer than `idleMs` and hold no pending
   * entries; returns their names. Each is checked again atomically as it is deleted, so one that
   * became active or took entries meanwhile stays.
   * @throws RedisCommandError (NOGROUP) when the stream or the group does not exist.
   */
  async pruneConsumers(stream: string, group: string, options: { idleMs: number }): Promise<string[]> {
    const idleMs = expectInteger('idleMs', expectOptions('', options, PRUNE_KEYS).idleMs, 0);
    const connection = await this.#conn();
    const keys = streamKeys(expectName('stream', stream));
    const candidates = (await this.consumers(stream, expectName('group', group))).filter((c) => c.pending === 0 && c.idleMs > idleMs);
    const pruned: string[] = [];
    for (const candidate of candidates) {
      const outcome = await deleteConsumer(connection, keys, { group, consumer: candidate.name, force: false, minIdleMs: idleMs + 1 });
      if (outcome.deleted) pruned.push(candidate.name);
    }
    return pruned;
  }

  /**
   * Trims a stream to `maxLen` entries or entries newer than `minId`. Safe by default: never
   * removes an entry some group has not read and acknowledged. `safe: false` is plain XTRIM.
   */
  async trim(stream: string, options: { maxLen?: number; minId?: string; safe?: boolean }): Promise<number> {
    const opts = expectOptions('', options, TRIM_KEYS);
    const connection = await this.#conn();
    expectName('stream', stream);
    const maxLen = opts.maxLen === undefined ? undefined : optionalInteger('maxLen', opts.maxLen, 0, 0);
    const minId = opts.minId === undefined ? undefined : expectStreamId('minId', opts.minId);
    if (maxLen === undefined && minId === undefined) throw new InvalidOptionError('Expected `maxLen` or `minId` to say how much to keep');
    if (optionalBoolean('safe', opts.safe, true)) return safeTrim(connection, streamKeys(stream), { maxLen, minId });
    const args = maxLen !== undefined ? ['XTRIM', stream, 'MAXLEN', String(maxLen)] : ['XTRIM', stream, 'MINID', minId as string];
    return Number(await connection.send(stream, args));
  }

  /**
   * Deletes a stream and its auxiliary keys (dead letters, delayed set, deduplication keys);
   * resolves with how many keys were removed. Destructive: every group and pending entry goes.
   */
  async deleteStream(stream: string): Promise<number> {
    const connection = await this.#conn();
    const keys = streamKeys(expectName('stream', stream));
    let removed = Number(await connection.send(stream, ['DEL', keys.stream, keys.dead, keys.delayed]));
    // Dedup keys share the stream's slot, so on a cluster one node holds them all.
    const pattern = `${keys.dedupPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, found] = await connection.send<[string, string[]]>(keys.stream, ['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000']);
      cursor = String(next);
      if (found.length > 0) removed += Number(await connection.send(keys.stream, ['DEL', ...found]));
    } while (cursor !== '0');
    return removed;
  }

  /**
   * Pauses a consumer group in every process: within `pausePollMs` (250 ms by default) plus a
   * round trip, none of its consumers starts a new handler; running handlers finish and are
   * acknowledged, messages already read wait with their leases. The pause lives in Redis, so a
   * consumer started meanwhile stays idle. Lasts `forMs` (on Redis's clock) or until {@link Admin.resume}.
   */
  async pause(stream: string, group: string, options: { forMs?: number } = {}): Promise<void> {
    const { forMs: given } = expectOptions('', options, PAUSE_KEYS);
    const forMs = given === undefined ? undefined : optionalInteger('forMs', given, 0, 1);
    const connection = await this.#conn();
    await pauseGroup(connection, streamKeys(expectName('stream', stream)), expectName('group', group), forMs);
  }

  /** Resumes a paused group; resolves false when it was not paused. */
  async resume(stream: string, group: string): Promise<boolean> {
    const connection = await this.#conn();
    const keys = streamKeys(expectName('stream', stream));
    return Number(await connection.send(keys.paused, ['HDEL', keys.paused, expectName('group', group)])) === 1;
  }

  /** Closes the connection (a client passed in as `redis` stays open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pending = this.#connection;
    if (pending) await (await pending).close().catch(() => undefined);
  }

  /** The schedules of a stream (see {@link Scheduler}): spec, missed policy, next run and last sent tick, sorted by name. */
  async schedules(stream: string): Promise<ScheduleInfo[]> {
    return readSchedules(await this.#conn(), scheduleKeys(expectName('stream', stream)));
  }

  /** Removes a schedule of a stream: no tick of it is sent afterwards, by any scheduler. Resolves true when it existed. */
  async removeSchedule(stream: string, name: string): Promise<boolean> {
    return removeSchedule(await this.#conn(), scheduleKeys(expectName('stream', stream)), expectName('name', name));
  }

  /**
   * How much of a group's rate limits is used now: the group's window, and the `top` busiest keys
   * of the per-key limit. `stream` is the consumers' `limitScope`: the stream, or the partitioned
   * stream's name for a PartitionedConsumer.
   * @param options.top - how many keys to list. @default 10
   */
  async rateLimitState(stream: string, group: string, options: { top?: number } = {}): Promise<RateLimitState> {
    const top = optionalInteger('top', expectOptions('', options, RATE_STATE_KEYS).top, 10, 1, 1_000);
    const keys = gateKeys(expectKeyName('stream', stream), expectKeyName('group', group));
    return readRateLimitState(await this.#conn(), keys, top);
  }

  /**
   * The keys of a group that have handlers running under `perKeyConcurrency` now, each with its
   * holders (entry, stream, consumer, time left). `stream` as for {@link Admin.rateLimitState}.
   */
  async keyConcurrency(stream: string, group: string): Promise<KeyConcurrencyState> {
    const keys = gateKeys(expectKeyName('stream', stream), expectKeyName('group', group));
    return readKeyConcurrency(await this.#conn(), keys);
  }

  // ── Operator views and actions (dashboard): snapshots, delayed messages, pending-entry actions,
  // dead-letter search, server facts. Their logic lives in the admin-*.ts modules named in each.

  /**
   * One stream's state for dashboards that sample often: what {@link Admin.stats} reports plus
   * entries ever added, the dead-letter stream's last ID and each group's oldest pending entry,
   * in two round trips (src/admin-overview.ts).
   */
  async snapshot(stream: string): Promise<StreamSnapshot> {
    return readSnapshot(await this.#conn(), expectKeyName('stream', stream));
  }

  /**
   * Delayed messages of a stream, soonest due first, with their due time and fields
   * (src/admin-delayed.ts).
   * @param options.offset - how many to skip. @default 0
   * @param options.count - how many to return (1–1000). @default 50
   */
  async delayed(stream: string, options: { offset?: number; count?: number } = {}): Promise<DelayedPage> {
    const opts = expectOptions('', options, DELAYED_KEYS);
    const offset = optionalInteger('offset', opts.offset, 0, 0);
    const count = optionalInteger('count', opts.count, 50, 1, 1000);
    return listDelayed(await this.#conn(), streamKeys(expectKeyName('stream', stream)), offset, count);
  }

  /** Cancels a delayed message by its `delayed:…` ID; resolves true when it was still waiting. */
  async cancelDelayed(stream: string, id: string): Promise<boolean> {
    return cancelDelayedMessage(await this.#conn(), streamKeys(expectName('stream', stream)), expectDelayedId(id));
  }

  /** Appends a delayed message to its stream now (as if due); resolves true when it was still waiting. */
  async runDelayedNow(stream: string, id: string): Promise<boolean> {
    return runDelayedNow(await this.#conn(), streamKeys(expectName('stream', stream)), expectDelayedId(id));
  }

  /**
   * Gives pending entries of a group to `consumer` (XCLAIM JUSTID: the delivery counter is not
   * bumped; the new owner's idle time starts at 0). Resolves with the IDs claimed (an ID no longer
   * pending is left out). The consumer is created in the group if it does not exist.
   */
  async claim(stream: string, group: string, ids: string[], consumer: string): Promise<string[]> {
    const list = expectIds(ids);
    return claimEntries(await this.#conn(), streamKeys(expectName('stream', stream)), expectName('group', group), expectName('consumer', consumer), list);
  }

  /** Acknowledges pending entries of a group by hand (XACK); resolves with how many were pending. */
  async ack(stream: string, group: string, ids: string[]): Promise<number> {
    const list = expectIds(ids);
    return ackEntries(await this.#conn(), streamKeys(expectName('stream', stream)), expectName('group', group), list);
  }

  /**
   * Moves one pending entry to the dead letters (with its owner and delivery counter) and
   * acknowledges it, atomically: `'moved'`, `'not-pending'` (no longer pending: nothing done) or
   * `'data-gone'` (trimmed meanwhile: acknowledged, nothing added).
   * @param options.reason - recorded as the dead letter's reason. @default 'dead-lettered by an operator'
   */
  async deadLetterEntry(stream: string, group: string, id: string, options: { reason?: string } = {}): Promise<DeadLetterOutcome> {
    const { reason } = expectOptions('', options, DEAD_LETTER_ENTRY_KEYS);
    if (reason !== undefined && typeof reason !== 'string') throw new InvalidOptionError('Expected `reason` to be a string');
    const keys = streamKeys(expectName('stream', stream));
    return deadLetterEntry(await this.#conn(), keys, expectName('group', group), expectStreamId('id', id), reason || 'dead-lettered by an operator');
  }

  /**
   * Searches a stream's dead letters newest first by reason text (case-insensitive), original
   * entry ID (exact, or its milliseconds part) and group (src/admin-search.ts). Reads at most
   * `scanLimit` dead letters per call: pass the returned `next` as `before` to go on.
   * @param options.count - matches to return (1–10000). @default 50
   * @param options.before - a dead-letter ID to continue before (exclusive). @default '+' (the newest)
   * @param options.scanLimit - dead letters read at most (1–1000000). @default 10000
   */
  async searchDeadLetters(stream: string, options: DeadLetterQuery & { count?: number; before?: string; scanLimit?: number } = {}): Promise<DeadLetterSearchPage> {
    const opts = expectOptions('', options, SEARCH_KEYS);
    for (const name of ['reason', 'originalId', 'group'] as const) {
      if (opts[name] !== undefined && typeof opts[name] !== 'string') throw new InvalidOptionError(`Expected \`${name}\` to be a string`);
    }
    const count = optionalInteger('count', opts.count, 50, 1, 10_000);
    const scanLimit = optionalInteger('scanLimit', opts.scanLimit, 10_000, 1, 1_000_000);
    const before = expectStreamId('before', opts.before ?? '+', ['+']);
    const query: DeadLetterQuery = { reason: opts.reason, originalId: opts.originalId, group: opts.group };
    return searchDeadLetters(await this.#conn(), streamKeys(expectKeyName('stream', stream)).dead, query, { count, before, scanLimit });
  }

  /** Facts about the Redis server: version, role, memory used and max, clients, ops/s, uptime, AOF (src/admin-server.ts). */
  async serverInfo(): Promise<ServerInfo> {
    return readServerInfo(await this.#conn());
  }
}
