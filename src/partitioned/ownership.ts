/**
 * Partition ownership for ordered consumption. Each partition has a lease key (`SET NX PX`, in
 * the partition's slot) naming the one member allowed to consume it; the owner renews it every
 * `leaseTtlMs / 3`. Members announce themselves in a sorted set with heartbeats; the live
 * members, sorted by name, share the partitions round robin (partition p → member p mod M). On
 * every tick a member renews its leases, gives up (after draining) partitions that are no longer
 * its share, and takes free ones that are. A member that leaves removes itself and releases its
 * leases at once; one that crashes stops renewing, and its heartbeat and leases expire after
 * `leaseTtlMs`.
 *
 * Limits (no fencing tokens): a member stalled for longer than the lease (a long GC pause, a
 * frozen VM) can overlap with the next owner for the message it was handling when it froze.
 */
import { auxKey } from '../keys.js';
import type { Connection } from '../connection.js';
import { membersHeartbeat, partitionLease } from './lua.js';

/** What ownership needs from its partitioned consumer. */
export interface OwnershipHost {
  readonly connection: Connection;
  /** The partitioned stream's name. */
  readonly stream: string;
  /** The partition streams, by index. */
  readonly streams: readonly string[];
  readonly group: string;
  /** This member's name (unique among the live members). */
  readonly member: string;
  readonly leaseTtlMs: number;
  /** Starts consuming a partition just acquired. */
  startPartition(partition: number): Promise<void>;
  /** Stops consuming a partition (gracefully: in-flight work finishes, acks are flushed). */
  stopPartition(partition: number): Promise<void>;
  /** Called when ownership changes (for events and tests). */
  onChange(event: 'acquired' | 'released' | 'lost', partition: number): void;
  onError(error: Error): void;
}

type LeaseState = 'starting' | 'running' | 'releasing' | 'lost';

interface Lease {
  state: LeaseState;
  /** Until when this member may act as the owner (local clock, with a safety margin). */
  validUntil: number;
  /** The chain of start / stop work on this partition. */
  work: Promise<void>;
}

/** The key of the members set of an ordered group. */
export function membersKey(stream: string, group: string): string {
  return auxKey(stream, `members:${group}`);
}

/** The lease key of one partition stream for a group (same slot as the partition). */
export function leaseKey(partitionStream: string, group: string): string {
  return auxKey(partitionStream, `lease:${group}`);
}

/** The partitions `member` should own among `members` (sorted): p → members[p mod M]. */
export function assignedPartitions(members: readonly string[], member: string, partitions: number): Set<number> {
  const sorted = members.includes(member) ? [...members].sort() : [...members, member].sort();
  const rank = sorted.indexOf(member);
  const mine = new Set<number>();
  for (let p = rank; p < partitions; p += sorted.length) mine.add(p);
  return mine;
}

/** Runs the lease protocol of one member. */
export class PartitionOwnership {
  readonly #host: OwnershipHost;
  readonly #intervalMs: number;
  readonly #margin: number;
  readonly #leases = new Map<number, Lease>();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(host: OwnershipHost) {
    this.#host = host;
    this.#intervalMs = Math.max(50, Math.floor(host.leaseTtlMs / 3));
    this.#margin = Math.min(1_000, Math.floor(host.leaseTtlMs / 10));
  }

  /** Runs the first tick (takes this member's share of free partitions), then ticks every `leaseTtlMs / 3`. */
  async start(): Promise<void> {
    await this.tick();
    this.#timer = setInterval(() => void this.tick(), this.#intervalMs);
  }

  /** Partitions this member owns and consumes now. */
  owned(): number[] {
    return [...this.#leases].filter(([, lease]) => lease.state === 'running').map(([p]) => p).sort((a, b) => a - b);
  }

  /** Whether this member may still consume `partition` (holds a valid lease that it is not giving up). */
  mayConsume(partition: number): boolean {
    const lease = this.#leases.get(partition);
    return lease !== undefined && (lease.state === 'running' || lease.state === 'starting') && Date.now() < lease.validUntil;
  }

  /** One round: heartbeat, renew, give up what is no longer this member's share, take free partitions that are. */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick().catch((error: Error) => this.#host.onError(error)).finally(() => { this.#ticking = undefined; });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    const host = this.#host;
    const members = await membersHeartbeat.run<string[]>(host.connection, [membersKey(host.stream, host.group)], [host.member, String(host.leaseTtlMs), '0']);
    const share = assignedPartitions(members.map(String), host.member, host.streams.length);
    await this.#renewAll();
    if (this.#closed) return;
    for (const [partition, lease] of this.#leases) {
      if (!share.has(partition) && (lease.state === 'running' || lease.state === 'starting')) this.#release(partition, lease);
    }
    await Promise.all([...share].filter((p) => !this.#leases.has(p)).map((p) => this.#tryAcquire(p)));
  }

  async #renewAll(): Promise<void> {
    const host = this.#host;
    await Promise.all([...this.#leases].filter(([, lease]) => lease.state !== 'lost').map(async ([partition, lease]) => {
      const startedAt = Date.now();
      const renewed = await partitionLease.run<number>(host.connection, [this.#leaseKey(partition)], ['renew', host.member, String(host.leaseTtlMs)]);
      if (Number(renewed) === 1) {
        lease.validUntil = startedAt + host.leaseTtlMs - this.#margin;
        return;
      }
      if (lease.state === 'lost') return;
      const wasReleasing = lease.state === 'releasing';
      lease.state = 'lost';
      host.onChange('lost', partition);
      if (!wasReleasing) {
        lease.work = lease.work.then(() => host.stopPartition(partition)).catch((error: Error) => host.onError(error))
          .finally(() => { if (this.#leases.get(partition) === lease) this.#leases.delete(partition); });
      }
    }));
  }

  async #tryAcquire(partition: number): Promise<void> {
    const host = this.#host;
    const startedAt = Date.now();
    const acquired = await partitionLease.run<number>(host.connection, [this.#leaseKey(partition)], ['acquire', host.member, String(host.leaseTtlMs)]);
    if (Number(acquired) !== 1 || this.#closed) {
      if (Number(acquired) === 1) await this.#releaseKey(partition);
      return;
    }
    const lease: Lease = { state: 'starting', validUntil: startedAt + host.leaseTtlMs - this.#margin, work: Promise.resolve() };
    this.#leases.set(partition, lease);
    lease.work = host.startPartition(partition).then(() => {
      if (lease.state === 'starting') {
        lease.state = 'running';
        host.onChange('acquired', partition);
      }
    }, async (error: Error) => {
      host.onError(error);
      await host.stopPartition(partition).catch(() => undefined);
      if (lease.state !== 'lost') await this.#releaseKey(partition);
      if (this.#leases.get(partition) === lease) this.#leases.delete(partition);
    });
    await lease.work;
  }

  /** Drains the partition's consumer, then deletes the lease so the next owner can take it. */
  #release(partition: number, lease: Lease): Promise<void> {
    const host = this.#host;
    lease.state = 'releasing';
    lease.work = lease.work
      .then(() => host.stopPartition(partition))
      .then(() => this.#releaseKey(partition))
      .then(() => host.onChange('released', partition))
      .catch((error: Error) => host.onError(error))
      .finally(() => { if (this.#leases.get(partition) === lease) this.#leases.delete(partition); });
    return lease.work;
  }

  async #releaseKey(partition: number): Promise<void> {
    const host = this.#host;
    await partitionLease.run<number>(host.connection, [this.#leaseKey(partition)], ['release', host.member, String(host.leaseTtlMs)]);
  }

  #leaseKey(partition: number): string {
    return leaseKey(this.#host.streams[partition] as string, this.#host.group);
  }

  /** Leaves: stops ticking, removes this member, drains and releases every partition it owns. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#ticking;
    const host = this.#host;
    await membersHeartbeat.run(host.connection, [membersKey(host.stream, host.group)], [host.member, String(host.leaseTtlMs), '1'])
      .catch((error: Error) => host.onError(error));
    // Keep the leases alive while draining (a slow handler must not let another member in early).
    const keepAlive = setInterval(() => void this.#renewAll().catch((error: Error) => host.onError(error)), this.#intervalMs);
    try {
      await Promise.all([...this.#leases].map(([partition, lease]) =>
        lease.state === 'running' || lease.state === 'starting' ? this.#release(partition, lease) : lease.work));
    } finally {
      clearInterval(keepAlive);
    }
  }
}
