/**
 * The chaos loop of a torture run. Faults are planned on progress (so every run, short or long,
 * gets them while messages flow) and consumer kills also come on a timer:
 *
 * - consumer SIGKILL (then a replacement at once; every other one reuses the killed name, so it
 *   re-reads its own pending entries first), every few seconds and at least `minConsumerKills`;
 * - Redis SIGKILL, a pause, then a restart on the same port and data directory (AOF, fsync always),
 *   half the time with a consumer killed while Redis is down (what it held listed just before);
 * - every proxied connection cut at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisServer } from '../support/redis-server.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import type { TortureConfig } from './config.js';
import type { Fleet, WorkerHandle } from './fleet.js';
import type { Monitor } from './monitor.js';
import { prng } from './protocol.js';

/** One fault that was injected. */
export interface FaultRecord {
  kind: 'consumer-kill' | 'redis-kill' | 'cut';
  /** When it started and ended (ms since the epoch). */
  at: number;
  endAt: number;
  detail: string;
}

/**
 * One consumer SIGKILL and the entries the killed consumer held: its part of the PEL listed right
 * after it died, or — killed while Redis was down — listed just before Redis was killed (the PEL
 * cannot change while Redis is down). null: the listing failed.
 */
export interface KillRecord {
  instance: number;
  name: string;
  group: string;
  at: number;
  held: string[] | null;
  /** Killed while Redis was down. */
  duringOutage: boolean;
  replacementReusedName: boolean;
}

type Planned = { at: number; kind: 'redis-kill' | 'cut' | 'consumer-kill'; fired: boolean };

/** The fault plan: how many of each fault, how often consumers are killed, the seed of the random choices. */
export type ChaosPlan = Pick<TortureConfig, 'redisKills' | 'redisDowntimeMs' | 'cuts' | 'consumerKillEveryMs' | 'minConsumerKills' | 'seed'>;

/** What the chaos loop acts on. */
export interface ChaosContext {
  config: ChaosPlan;
  server: RedisServer;
  proxy: TcpProxy;
  fleet: Fleet;
  monitor: Monitor;
  stream: string;
  /** 0 … 1: how far the run is (sends and handled messages). */
  progress(): number;
  log(line: string): void;
}

/** Plans and injects the faults. */
export class Chaos {
  readonly faults: FaultRecord[] = [];
  readonly kills: KillRecord[] = [];
  readonly #c: ChaosContext;
  readonly #random: () => number;
  readonly #plan: Planned[] = [];
  #killsSinceReuse = 0;

  constructor(context: ChaosContext) {
    this.#c = context;
    const { redisKills, cuts, minConsumerKills, seed } = context.config;
    this.#random = prng(seed + 1);
    for (let i = 0; i < redisKills; i++) this.#plan.push({ at: (i + 1) / (redisKills + 1), kind: 'redis-kill', fired: false });
    for (let i = 0; i < cuts; i++) this.#plan.push({ at: (i + 0.5) / cuts, kind: 'cut', fired: false });
    for (let i = 0; i < minConsumerKills; i++) this.#plan.push({ at: (i + 0.3) / minConsumerKills, kind: 'consumer-kill', fired: false });
    this.#plan.sort((a, b) => a.at - b.at);
  }

  /** Counts of each kind of fault injected. */
  count(kind: FaultRecord['kind']): number {
    return this.faults.filter((f) => f.kind === kind).length;
  }

  /** Injects faults until `done()`, then whatever planned fault has not fired yet (the minimums always hold). */
  async run(done: () => boolean): Promise<void> {
    const every = this.#c.config.consumerKillEveryMs;
    const nextTimedKill = (): number => Date.now() + every * (0.5 + this.#random());
    let timedKillAt = nextTimedKill();
    while (!done()) {
      const progress = this.#c.progress();
      const due = this.#plan.find((p) => !p.fired && p.at <= progress);
      if (due) {
        due.fired = true;
        await this.#fire(due.kind);
      } else if (every > 0 && Date.now() >= timedKillAt) {
        await this.#killConsumer();
        timedKillAt = nextTimedKill();
      } else {
        await sleep(50);
      }
    }
    for (const planned of this.#plan.filter((p) => !p.fired)) {
      planned.fired = true;
      await this.#fire(planned.kind);
    }
  }

  async #fire(kind: Planned['kind']): Promise<void> {
    if (kind === 'redis-kill') await this.#killRedis();
    else if (kind === 'cut') this.#cut();
    else await this.#killConsumer();
  }

  #cut(): void {
    const at = Date.now();
    const cut = this.#c.proxy.cutAll();
    this.faults.push({ kind: 'cut', at, endAt: at, detail: `${cut} connections` });
    this.#c.log(`chaos: cut ${cut} connections`);
  }

  async #killRedis(): Promise<void> {
    const { server, config, fleet } = this.#c;
    // Half the time a consumer dies during the outage too. What it holds is listed now, while
    // Redis is up: the PEL cannot change once Redis is down, and a kill must never go unmeasured.
    const alive = fleet.alive();
    const victim = this.#random() < 0.5 && alive.length > 0 ? this.#pickVictim(alive) : undefined;
    const held = victim === undefined ? null : await this.#held(victim);
    const at = Date.now();
    await server.kill();
    const [min, max] = config.redisDowntimeMs;
    const downtime = min + (max - min) * this.#random();
    this.#c.log(`chaos: Redis SIGKILLed (pid gone), restarting in ${Math.round(downtime)} ms`);
    if (victim !== undefined) await this.#killConsumer({ victim, held });
    await sleep(Math.max(0, at + downtime - Date.now()));
    await restartRedis(server, this.#c.log);
    const endAt = Date.now();
    this.faults.push({ kind: 'redis-kill', at, endAt, detail: `down ${endAt - at} ms` });
    this.#c.log(`chaos: Redis back after ${endAt - at} ms (pid ${server.pid})`);
  }

  /** A random consumer of the group killed least so far (with several groups, each gets its share of kills). */
  #pickVictim(alive: readonly WorkerHandle[]): WorkerHandle {
    const killsOf = (group: string): number => this.kills.filter((k) => k.group === group).length;
    const fewest = Math.min(...alive.map((h) => killsOf(h.group)));
    const candidates = alive.filter((h) => killsOf(h.group) === fewest);
    return candidates[Math.floor(this.#random() * candidates.length)] as WorkerHandle;
  }

  /** The entries a consumer name holds (its part of the PEL); retried for a while, e.g. just after a Redis restart. */
  async #held(victim: WorkerHandle): Promise<string[] | null> {
    const { monitor, stream } = this.#c;
    for (let attempt = 1; attempt <= 20; attempt++) {
      try {
        return await monitor.pendingOf(stream, victim.group, victim.name);
      } catch {
        await sleep(250);
      }
    }
    return null;
  }

  /** SIGKILLs a consumer (a random one, or `during.victim` while Redis is down) and starts a replacement. */
  async #killConsumer(during?: { victim: WorkerHandle; held: string[] | null }): Promise<void> {
    const { fleet } = this.#c;
    const alive = fleet.alive();
    if (alive.length === 0) return;
    const victim = during?.victim ?? this.#pickVictim(alive);
    const at = await fleet.kill(victim);
    const held = during === undefined ? await this.#held(victim) : during.held;
    // Every other replacement takes the killed consumer's name (and so re-reads its pending entries
    // first); never while Redis is down (it would re-read them before anyone could tell).
    const reuse = during === undefined && held !== null && this.#killsSinceReuse++ % 2 === 1;
    const replacement = fleet.replace(victim, reuse);
    this.kills.push({ instance: victim.instance, name: victim.name, group: victim.group, at, held, duringOutage: during !== undefined, replacementReusedName: reuse });
    this.faults.push({ kind: 'consumer-kill', at, endAt: Date.now(), detail: `${victim.name}#${victim.instance} holding ${held?.length ?? '?'} → ${replacement.name}#${replacement.instance}` });
    this.#c.log(`chaos: SIGKILLed consumer ${victim.name}#${victim.instance} (held ${held?.length ?? '?'} entries), started ${replacement.name}#${replacement.instance}`);
  }
}

/**
 * Restarts Redis on its port and data directory. The support helper gives loading 10 s; on a busy
 * machine replaying the AOF can take longer, so a failed start is retried (the run keeps the AOF
 * compact with frequent rewrites, so this is rare).
 */
async function restartRedis(server: RedisServer, log: (line: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await server.restart();
      return;
    } catch (error) {
      if (attempt >= 4) throw error;
      log(`chaos: Redis restart attempt ${attempt} failed (${(error as Error).message.split('\n')[0]}); retrying`);
    }
  }
}
