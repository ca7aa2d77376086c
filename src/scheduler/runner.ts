/**
 * The timing loop of one scheduler process. It keeps the schedules of a stream in memory,
 * re-reads them every `pollMs` (revisions and next due times: two small commands; a definition
 * only when its revision changed), sleeps until the earliest next due time, and claims what is due.
 *
 * Every live scheduler claims every tick at its due time; the claim script lets exactly one of
 * them send it, so the death of any scheduler delays nothing. Polling rather than Pub/Sub: it
 * needs no second connection, works unchanged on Cluster, Sentinel and Valkey, and cannot miss a
 * notification across a reconnect; what it costs is that a schedule created or changed by
 * another process is seen within `pollMs` (a scheduler's own upserts are seen at once).
 */
import type { Connection } from '../connection.js';
import type { ScheduleKeys } from '../keys.js';
import { toStreamqError } from '../redis-errors.js';
import { planClaim, type ClaimPlan, type PlannedTick } from './plan.js';
import { claimSchedule } from './scripts.js';
import { decodeDefinition, hashReply, scoresReply, type Definition } from './store.js';

/** Pause before a claim that failed (Redis unreachable…) is tried again. */
const RETRY_MS = 100;
/** Longest delay setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the runner tells its scheduler. */
export interface RunnerHooks {
  /** Messages were appended for `name`: one ID per planned tick, in order. */
  onTicks(name: string, ticks: readonly PlannedTick[], ids: readonly string[]): void;
  /** A claim or a refresh failed (it is retried). */
  onError(error: Error): void;
}

/** One schedule as this process knows it. */
interface Known {
  readonly name: string;
  revision: string;
  definition: Definition;
  /** The stored next due time, as last seen; `null` when the spec has no more runs. */
  due: number | null;
  /** No claim before this time (after an error, or when Redis said the tick is not due yet). */
  notBefore: number;
  claiming: boolean;
}

/** Claims the due ticks of one stream's schedules. */
export class ClaimRunner {
  readonly #connection: Connection;
  readonly #keys: ScheduleKeys;
  readonly #pollMs: number;
  readonly #hooks: RunnerHooks;
  readonly #known = new Map<string, Known>();
  readonly #claims = new Set<Promise<void>>();
  /** Revisions found unreadable, reported once each. */
  readonly #unreadable = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #stopped = false;

  constructor(connection: Connection, keys: ScheduleKeys, pollMs: number, hooks: RunnerHooks) {
    this.#connection = connection;
    this.#keys = keys;
    this.#pollMs = pollMs;
    this.#hooks = hooks;
  }

  /** Reads the schedules, then claims on time and re-reads every `pollMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.#schedulePoll();
  }

  /** Re-reads the schedules now (one read at a time; callers during a read share it). */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#read().finally(() => {
      this.#refreshing = undefined;
      this.#arm();
    });
    return this.#refreshing;
  }

  /** Stops the timers; claims in flight finish (see {@link settled}). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#pollTimer);
  }

  /** Resolves when no claim is in flight any more. */
  async settled(): Promise<void> {
    while (this.#claims.size > 0) await Promise.allSettled([...this.#claims]);
  }

  #schedulePoll(): void {
    if (this.#stopped) return;
    this.#pollTimer = setTimeout(() => {
      this.refresh().catch((error: unknown) => this.#report(error, 'read schedules')).finally(() => this.#schedulePoll());
    }, this.#pollMs);
  }

  async #read(): Promise<void> {
    const [revisionsReply, nextReply] = await Promise.all([
      this.#connection.send<unknown>(this.#keys.revisions, ['HGETALL', this.#keys.revisions]),
      this.#connection.send<unknown>(this.#keys.next, ['ZRANGE', this.#keys.next, '0', '-1', 'WITHSCORES']),
    ]);
    const revisions = hashReply(revisionsReply);
    const dues = scoresReply(nextReply);
    const changed = Object.keys(revisions).filter((name) => this.#known.get(name)?.revision !== revisions[name]);
    const definitions = changed.length === 0 ? [] : await this.#connection.send<(string | null)[]>(this.#keys.definitions, ['HMGET', this.#keys.definitions, ...changed]);
    for (const name of this.#known.keys()) if (!(name in revisions)) this.#known.delete(name);
    changed.forEach((name, i) => this.#learn(name, revisions[name] as string, definitions[i] ?? null, dues.get(name) ?? null));
    for (const [name, known] of this.#known) {
      if (changed.includes(name)) continue;
      // A read that raced with one of our own claims may carry the older due time: due times only move forward.
      const due = dues.get(name) ?? null;
      known.due = due === null || known.due === null ? due : Math.max(known.due, due);
    }
  }

  /** Takes in a new or changed definition (an unreadable one is reported once and left out). */
  #learn(name: string, revision: string, json: string | null, due: number | null): void {
    if (json === null) return; // removed between the two reads
    try {
      const definition = decodeDefinition(name, json);
      const known = this.#known.get(name);
      if (known) Object.assign(known, { revision, definition, due });
      else this.#known.set(name, { name, revision, definition, due, notBefore: 0, claiming: false });
    } catch (error) {
      this.#known.delete(name);
      if (!this.#unreadable.has(revision)) this.#hooks.onError(error as Error);
      this.#unreadable.add(revision);
    }
  }

  /** Sets the timer to the earliest time a claim is due. */
  #arm(): void {
    if (this.#stopped) return;
    let earliest = Infinity;
    for (const known of this.#known.values()) {
      if (!known.claiming && known.due !== null) earliest = Math.min(earliest, Math.max(known.due, known.notBefore));
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (earliest === Infinity) return;
    this.#timer = setTimeout(() => this.#fire(), Math.min(MAX_TIMER_MS, Math.max(0, earliest - Date.now())));
  }

  #fire(): void {
    this.#timer = undefined;
    const now = Date.now();
    for (const known of this.#known.values()) {
      if (!known.claiming && known.due !== null && known.due <= now && known.notBefore <= now) this.#claim(known);
    }
    this.#arm();
  }

  #claim(known: Known): void {
    known.claiming = true;
    const claim = this.#claimDue(known)
      .catch((error: unknown) => {
        known.notBefore = Date.now() + RETRY_MS;
        this.#report(error, 'claim a schedule tick');
      })
      .finally(() => {
        known.claiming = false;
        this.#claims.delete(claim);
        this.#arm();
      });
    this.#claims.add(claim);
  }

  /** Claims until nothing of this schedule is due (a capped catch-up takes several claims). */
  async #claimDue(known: Known): Promise<void> {
    for (;;) {
      if (this.#stopped || known.due === null || this.#known.get(known.name) !== known) return;
      const plan = planClaim(known.definition.table, known.definition.missed, known.due, Date.now());
      if (plan === null) return;
      const reply = await claimSchedule(this.#connection, this.#keys, {
        name: known.name, revision: known.revision, expectedDue: known.due, nextDue: plan.nextDue,
        payload: known.definition.payload, ticks: plan.ticks.map((tick) => ({ at: tick.at, headers: this.#headers(known, tick) })),
      });
      if (reply.status === 'sent') {
        known.due = reply.nextDue;
        this.#hooks.onTicks(known.name, plan.ticks, reply.ids);
      } else if (reply.status === 'taken') {
        known.due = reply.currentDue;
      } else if (reply.status === 'early') {
        known.notBefore = Date.now() + lastTick(plan) - reply.redisNow;
        return;
      } else {
        const before = known.revision;
        await this.refresh();
        if (known.revision === before) return; // not visible yet: the next poll takes it up
      }
    }
  }

  /** The headers JSON of one tick: the schedule's own, then `schedule`, `scheduledAt` and `missedFrom`. */
  #headers(known: Known, tick: PlannedTick): string {
    const headers: Record<string, string> = { ...known.definition.headers, schedule: known.name, scheduledAt: new Date(tick.at).toISOString() };
    if (tick.missedFrom !== undefined) headers.missedFrom = new Date(tick.missedFrom).toISOString();
    return JSON.stringify(headers);
  }

  #report(error: unknown, what: string): void {
    if (!this.#stopped) this.#hooks.onError(toStreamqError(error, what, this.#connection.endpoint));
  }
}

const lastTick = (plan: ClaimPlan): number => (plan.ticks[plan.ticks.length - 1] as PlannedTick).at;
