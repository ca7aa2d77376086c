/**
 * Scheduler: repeatable and cron schedules that append messages to a stream. Schedules live in
 * Redis (in the stream's cluster slot); any number of scheduler processes may run, and each
 * tick is appended exactly once, by whichever claims it first (see claim-schedule.lua).
 */
import { EventEmitter } from 'node:events';
import { connect, type Connection } from '../connection.js';
import { ClosedError, InvalidOptionError } from '../errors.js';
import { emitError } from '../emit.js';
import { scheduleKeys, type ScheduleKeys } from '../keys.js';
import { Metrics } from '../metrics.js';
import { expectName } from '../validate.js';
import { resolveSchedulerOptions, resolveUpsert, type ResolvedSchedulerOptions, type SchedulerOptions } from './options.js';
import type { PlannedTick } from './plan.js';
import { ClaimRunner } from './runner.js';
import { removeSchedule, upsertSchedule } from './scripts.js';
import { timetable } from './spec.js';
import { encodeDefinition, readSchedules } from './store.js';
import type { ScheduleInfo, ScheduleSpec, TickEvent, UpsertOptions, UpsertResult } from './types.js';

/** Longest pause between reconnect attempts while Redis is unreachable (a refused TCP connect costs next to nothing). */
const RECONNECT_DELAY_MS = 100;
/** At most one error event per error code in this many milliseconds (an outage fails every attempt, every 100 ms). */
const ERROR_INTERVAL_MS = 1_000;
/** How long `close()` waits for claims in flight when the connection is the caller's own. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Sends messages to a stream on schedules kept in Redis: `{ cron, tz }` or `{ everyMs }`.
 * Run one per service instance: every started scheduler claims every due tick, and Redis lets
 * exactly one claim per tick through, so ticks keep coming while any scheduler is up, and never
 * twice. Each message carries the schedule's payload and headers plus `schedule` (its name) and
 * `scheduledAt` (the tick time, ISO 8601); a catch-up for missed ticks also carries `missedFrom`.
 *
 * Events: `tick` ({@link TickEvent}, for each message this process appended), `error` (a failed
 * claim or read, retried after 100 ms; at most one event per error code per second, since a Redis
 * outage fails every attempt).
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler({ stream: 'reports' });
 * await scheduler.upsert('nightly', { cron: '0 3 * * *', tz: 'Europe/Berlin' }, { kind: 'nightly' });
 * await scheduler.start();
 * // … on shutdown:
 * await scheduler.close();
 * ```
 */
export class Scheduler extends EventEmitter {
  /** The stream the ticks are appended to. */
  readonly stream: string;
  /** This scheduler's metrics (`ticksSent`), labelled `{ stream, role: 'scheduler' }`. */
  readonly metrics: Metrics;
  readonly #options: ResolvedSchedulerOptions;
  readonly #keys: ScheduleKeys;
  #connection: Promise<Connection> | undefined;
  #runner: ClaimRunner | undefined;
  #starting: Promise<void> | undefined;
  #closed = false;
  /** When an error event of each code was last emitted. */
  readonly #errorsEmitted = new Map<string, number>();

  constructor(options: SchedulerOptions) {
    super();
    this.#options = resolveSchedulerOptions(options);
    this.stream = this.#options.stream;
    this.#keys = scheduleKeys(this.stream);
    this.metrics = new Metrics({ stream: this.stream, role: 'scheduler' });
    this.#options.registry.register(this.metrics);
  }

  #connect(): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ClosedError(`Scheduler for stream "${this.stream}" is closed`));
    if (this.#connection === undefined) {
      const pending = connect(this.#options.redis, {
        onError: (error) => this.#error(error),
        connectTimeoutMs: this.#options.connectTimeoutMs,
        // Ticks due while Redis is down go out as soon as it is back: retry the socket every ≤ 100 ms, not every 2 s.
        maxReconnectDelayMs: RECONNECT_DELAY_MS,
      });
      this.#connection = pending;
      pending.catch(() => { this.#connection = undefined; });
    }
    return this.#connection;
  }

  /**
   * Starts sending ticks: reads the stream's schedules, then claims each tick at its due time
   * and re-reads the schedules every `pollMs`. Resolves once the schedules were read.
   * Rejects with a ConnectionError/AuthenticationError when Redis cannot be reached.
   */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      const connection = await this.#connect();
      if (this.#closed) throw new ClosedError(`Scheduler for stream "${this.stream}" is closed`);
      const runner = new ClaimRunner(connection, this.#keys, this.#options.pollMs, {
        onTicks: (name, ticks, ids) => this.#sent(name, ticks, ids),
        onError: (error) => this.#error(error),
      });
      this.#runner = runner;
      await runner.start();
      this.#options.logger.info('scheduler started', { stream: this.stream });
    })();
    this.#starting.catch(() => { this.#starting = undefined; });
    return this.#starting;
  }

  /** Emits (or logs) an error, at most once per code per {@link ERROR_INTERVAL_MS}: never swallowed, never a flood. */
  #error(error: Error): void {
    const code = (error as { code?: string }).code ?? error.name;
    const now = Date.now();
    if (now - (this.#errorsEmitted.get(code) ?? -Infinity) < ERROR_INTERVAL_MS) return;
    this.#errorsEmitted.set(code, now);
    emitError(this, this.#options.logger, error);
  }

  #sent(name: string, ticks: readonly PlannedTick[], ids: readonly string[]): void {
    this.metrics.counters.ticksSent += ids.length;
    ticks.forEach((tick, i) => {
      const event: TickEvent = { schedule: name, scheduledAt: new Date(tick.at), id: ids[i] as string };
      if (tick.missedFrom !== undefined) event.missedFrom = new Date(tick.missedFrom);
      this.emit('tick', event);
    });
  }

  /**
   * Creates the schedule `name`, or changes it. Upserting the same definition again changes
   * nothing, so every instance of a service may upsert its schedules at start-up. A changed
   * payload, headers or policy applies from the next tick on; a changed spec starts again from
   * its first tick after now. Throws InvalidOptionError (a bad cron expression or an unknown time
   * zone named, an unknown option, a spec that never runs), EncodeError or PayloadTooLargeError
   * before anything is stored.
   */
  async upsert(name: string, spec: ScheduleSpec, data: unknown, options?: UpsertOptions): Promise<UpsertResult> {
    expectName('name', name);
    const table = timetable(spec);
    const upsert = resolveUpsert(name, data, options, this.#options.maxPayloadBytes);
    const now = Date.now();
    const firstDue = table.after(now);
    if (firstDue === null) throw new InvalidOptionError(`Schedule ${JSON.stringify(name)} never runs: ${table.key} has no tick after ${new Date(now).toISOString()}`);
    const { json, revision } = encodeDefinition(table, upsert.missed, upsert.payload, upsert.headers, now);
    const reply = await upsertSchedule(await this.#connect(), this.#keys, { name, json, revision, specKey: table.key, firstDue });
    await this.#relearn();
    return { outcome: reply.outcome, nextRunAt: reply.nextDue === null ? null : new Date(reply.nextDue) };
  }

  /** Removes the schedule `name` (no tick of it is sent afterwards); resolves true when it existed. */
  async remove(name: string): Promise<boolean> {
    expectName('name', name);
    const removed = await removeSchedule(await this.#connect(), this.#keys, name);
    await this.#relearn();
    return removed;
  }

  /** Lets a started runner see a change made here at once (a failed re-read is reported; the next poll retries it). */
  async #relearn(): Promise<void> {
    await this.#runner?.refresh().catch((error: unknown) => this.#error(error as Error));
  }

  /** The stream's schedules with their next run and last sent tick, sorted by name. */
  async list(): Promise<ScheduleInfo[]> {
    return readSchedules(await this.#connect(), this.#keys);
  }

  /**
   * Stops claiming, lets a claim in flight finish (a claim is one short script: it either sent
   * its ticks and advanced, or did nothing), and closes the connection (a client passed as
   * `redis` stays open). Other schedulers go on sending every tick.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#runner?.stop();
    this.#options.registry.unregister(this.metrics);
    const pending = this.#connection;
    if (pending) await (await pending.catch(() => undefined))?.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#runner?.settled(), new Promise((resolve) => { timer = setTimeout(resolve, CLOSE_TIMEOUT_MS); })]);
    clearTimeout(timer);
  }
}
