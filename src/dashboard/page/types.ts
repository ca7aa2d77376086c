// The shapes the dashboard's API answers with (dates arrive as ISO strings).

export interface Info { readOnly: boolean; authRequired: boolean; publish: boolean; intervalMs: number; basePath: string }

export interface ServerInfo { version: string; valkeyVersion: string | null; role: string; usedMemory: number; maxMemory: number; clients: number; opsPerSec: number; uptimeSec: number; aof: boolean }

export interface OverviewRow {
  stream: string;
  error?: { code: string; message: string };
  length?: number; rateIn?: number | null; rateOut?: number | null; groups?: number; pending?: number; worstLag?: number | null;
  oldestPendingMs?: number | null; deadLetters?: number; delayed?: number; paused?: number;
}

export interface Overview {
  streams: OverviewRow[];
  totals: { streams: number; errors: number; length: number; rateIn: number; rateOut: number; pending: number; deadLetters: number; delayed: number; paused: number };
  server: ServerInfo | null;
  sampledAt: number | null;
  /** How old the sample is, by the server's clock (ms). */
  ageMs: number | null;
  sampleMs: number | null;
  intervalMs: number;
  redis: { available: boolean; since: number | null };
  /** Why sampling failed while Redis answered, else null. */
  error: { code: string; message: string } | null;
}

export interface Group {
  name: string; consumers: number; pending: number; lag: number | null; lastDeliveredId: string; entriesRead: number | null;
  oldestPendingId: string | null; paused: boolean; pausedUntil: string | null;
}

/** One priority level of a stream: its own key's figures. */
export interface Level { level: string; stream: string; exists: boolean; length: number; groups: Group[]; delayed: number }

/** A stream's state; for a stream with priority levels the top-level figures are summed over `priorities`. */
export interface Snapshot {
  stream: string; exists: boolean; length: number; entriesAdded: number | null; firstId: string | null; lastId: string | null;
  groups: Group[]; deadLetters: number; deadLastId: string | null; delayed: number; at: string; priorities?: Level[];
}

export interface Consumer { name: string; pending: number; idleMs: number; inactiveMs: number | null }
export interface PendingEntry { id: string; consumer: string; idleMs: number; deliveries: number }
export interface Entry { id: string; fields: Record<string, string> }
export interface DeadLetter {
  id: string; originalId: string | null; group: string | null; reason: string | null; deliveries: number | null; consumer: string | null;
  failedAt: string | null; priority: string | null; fields: Record<string, string>;
}
export interface DelayedMessage { id: string; dueAt: string; fields: Record<string, string> }
export interface Schedule { name: string; spec: unknown; missed: string; nextRunAt: string | null; lastTickAt: string | null; lastEntryId: string | null; data: unknown; updatedAt: string }

export type SeriesName = 'delivered' | 'acked' | 'deadLettered' | 'lag' | 'pending';
export interface History {
  times: number[];
  in: (number | null)[];
  groups: Array<{ name: string } & Record<SeriesName, (number | null)[]>>;
}

export interface RateLimitState {
  group: { max: number; perMs: number; used: number } | null;
  perKey: { max: number; perMs: number; activeKeys: number; top: Array<{ key: string; used: number }> } | null;
}
export interface KeyConcurrencyState {
  limit: number | null;
  keys: Array<{ key: string; holders: Array<{ id: string; stream: string; consumer: string; expiresInMs: number }> }>;
}
/** A group's row of the limits route: its state, or why it could not be read. */
export interface GroupLimits {
  group: string; paused: boolean; pausedUntil: string | null;
  rateLimit?: RateLimitState; keyConcurrency?: KeyConcurrencyState; error?: { code: string; message: string };
}
