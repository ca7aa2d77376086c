/** A consumer group of a stream, as `Admin.stats` reports it. */
export interface GroupStats {
  /** The group's name. */
  name: string;
  /** How many consumers the group knows (idle ones included). */
  consumers: number;
  /** Entries delivered to the group and not yet acknowledged (its PEL size). */
  pending: number;
  /**
   * Entries in the stream the group has not been delivered yet. `null` when Redis cannot tell
   * (after some XDEL / trims it reports lag as unknown).
   */
  lag: number | null;
  /** The ID of the last entry delivered to the group. */
  lastDeliveredId: string;
  /** How many entries the group has read in all (Redis ≥ 7), or `null` when unknown. */
  entriesRead: number | null;
  /** Whether the group is paused (`Admin.pause`, `consumer.rateLimited`). */
  paused?: boolean;
  /** When a timed pause ends; `null` when not paused or paused until resumed. */
  pausedUntil?: Date | null;
}

/** Length, IDs, groups and delayed messages of one stream key (a stream, or one of its priority levels). */
export interface LevelStats {
  /** The stream's key. */
  stream: string;
  /** Number of entries in the stream (0 when it does not exist). */
  length: number;
  /** Whether the key exists (for a stream with priority levels: whether any level's key does). */
  exists: boolean;
  /** ID of the first entry, or `null` when empty. */
  firstId: string | null;
  /** ID of the last entry ever added, or `null` when none. */
  lastId: string | null;
  /** Its consumer groups. */
  groups: GroupStats[];
  /** Messages waiting in its delayed set for their due time. */
  delayed: number;
}

/** What `Admin.stats` reports of one stream. */
export interface StreamStats extends LevelStats {
  /** Entries in the stream's dead-letter stream (every priority level's included). */
  deadLetters: number;
  /**
   * Each priority level, highest first (the `default` level is the stream itself), when the
   * stream has levels; absent otherwise. The top-level figures are the default level's.
   */
  priorities?: (LevelStats & { level: string })[];
}

/** One consumer of a group, as `Admin.consumers` reports it. */
export interface ConsumerInfo {
  /** The consumer's name. */
  name: string;
  /** Entries it holds un-acknowledged. */
  pending: number;
  /** Milliseconds since it last interacted with the group (read, claim or ack). */
  idleMs: number;
  /** Milliseconds since its last successful read or claim (`null` before Redis 7.2). */
  inactiveMs: number | null;
}

/** One pending (delivered, not acknowledged) entry, as `Admin.pending` reports it. */
export interface PendingEntry {
  /** The entry's ID. */
  id: string;
  /** The consumer that holds it. */
  consumer: string;
  /** Milliseconds since it was last delivered or its lease renewed. */
  idleMs: number;
  /** Redis's delivery counter for it. */
  deliveries: number;
}

/** A raw stream entry: its ID and its fields in order. */
export interface StreamEntry {
  /** The entry's ID. */
  id: string;
  /** The entry's fields (a field repeated in the entry keeps its last value). */
  fields: Record<string, string>;
}

/**
 * An entry of a dead-letter stream, with why and where it failed. A metadata field that is
 * missing or malformed in the entry (written by another tool, or edited by hand) is `null`: the
 * entry is still listed, replayed and purged like any other.
 */
export interface DeadLetter {
  /** The dead-letter entry's own ID (use it to replay or purge). */
  id: string;
  /** The ID the message had in its stream, or `null` when unknown. */
  originalId: string | null;
  /** The consumer group that gave up on it, or `null` when unknown. */
  group: string | null;
  /** Why: the handler's last error, "maxDeliveries exceeded", a decode error… (`null` when unknown). */
  reason: string | null;
  /** Redis's delivery counter when it was dead-lettered, or `null` when unknown. */
  deliveries: number | null;
  /** The consumer that dead-lettered it, or `null` when unknown. */
  consumer: string | null;
  /** When it was dead-lettered, or `null` when unknown. */
  failedAt: Date | null;
  /** The priority level it came from (`null`: the stream itself). A replay returns it there. */
  priority: string | null;
  /** The original entry's fields, verbatim. */
  fields: Record<string, string>;
}

/** What `Admin.deleteConsumer` did. */
export interface DeleteConsumerResult {
  /** Whether the consumer was removed from the group. */
  deleted: boolean;
  /** Whether the group knew the consumer. */
  existed: boolean;
  /**
   * Entries the consumer held un-acknowledged. When `deleted` is false and this is above 0, the
   * deletion was refused because of them (pass `force: true` to delete anyway).
   */
  pending: number;
}

/** How much of a group's rate limits is used now, as `Admin.rateLimitState` reports it. */
export interface RateLimitState {
  /**
   * The group's limit as its consumers last configured it (within a day), with the starts in the
   * current window (the last `perMs` on Redis's clock); `null` when no consumer has one.
   */
  group: { max: number; perMs: number; used: number } | null;
  /**
   * The per-key limit as its consumers last configured it, how many keys have starts in their
   * current window, and the busiest of them (most used first); `null` when no consumer has one.
   */
  perKey: { max: number; perMs: number; activeKeys: number; top: { key: string; used: number }[] } | null;
}

/** One handler holding a per-key slot. */
export interface KeySlotHolder {
  /** The entry's ID. */
  id: string;
  /** The stream it came from (a partition's stream for a partitioned stream). */
  stream: string;
  /** The consumer running it. */
  consumer: string;
  /** When the slot expires unless renewed (its consumer renews it every third of the visibility timeout). */
  expiresInMs: number;
}

/** Which keys hold per-key concurrency slots now, as `Admin.keyConcurrency` reports it. */
export interface KeyConcurrencyState {
  /** `perKeyConcurrency` as the group's consumers last configured it (within a day), or `null`. */
  limit: number | null;
  /** Keys with running handlers, sorted by key (at most 1,000 keys). */
  keys: { key: string; holders: KeySlotHolder[] }[];
}
