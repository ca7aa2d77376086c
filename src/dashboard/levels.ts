/**
 * A stream with priority levels is one row of the overview and one stream page: its figures are
 * the sums over its levels (Admin.snapshot's top level is the default level's, as Admin.stats's
 * is), so the overview's length, pending and lag, the rates and the charts count every level.
 * Each level's own figures stay in `priorities`.
 */
import type { GroupSnapshot, LevelSnapshot, StreamSnapshot } from '../admin-overview.js';

/** Orders two entry IDs (`ms-seq`) by time, then sequence. */
export const compareIds = (a: string, b: string): number => {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const byMs = Number(am) - Number(bm);
  return byMs !== 0 ? byMs : Number(as) - Number(bs);
};

const minId = (ids: (string | null)[]): string | null => ids.reduce<string | null>((min, id) => (id !== null && (min === null || compareIds(id, min) < 0) ? id : min), null);
const maxId = (ids: (string | null)[]): string | null => ids.reduce<string | null>((max, id) => (id !== null && (max === null || compareIds(id, max) > 0) ? id : max), null);

/** The sum of `values`, or `null` when any is unknown. */
const sumKnown = (values: (number | null)[]): number | null => (values.some((v) => v === null) ? null : values.reduce<number>((s, v) => s + (v ?? 0), 0));

/** Entries read by a group on one level; a group that has delivered nothing may report it as unknown: it is 0. */
const readOf = (g: GroupSnapshot): number | null => g.entriesRead ?? (g.lastDeliveredId === '0-0' ? 0 : null);

/** One group over every level it exists on. */
const mergeGroup = (parts: GroupSnapshot[]): GroupSnapshot => {
  const [first] = parts as [GroupSnapshot, ...GroupSnapshot[]];
  return {
    ...first,
    // The same consumers read every level: the most any level knows, not their sum.
    consumers: Math.max(...parts.map((g) => g.consumers)),
    pending: parts.reduce((s, g) => s + g.pending, 0),
    lag: sumKnown(parts.map((g) => g.lag)),
    lastDeliveredId: maxId(parts.map((g) => g.lastDeliveredId)) ?? first.lastDeliveredId,
    entriesRead: sumKnown(parts.map(readOf)),
    oldestPendingId: minId(parts.map((g) => g.oldestPendingId)),
  };
};

/** The groups of every level, merged by name (the default level's order first). */
const mergeGroups = (levels: LevelSnapshot[]): GroupSnapshot[] => {
  const byName = new Map<string, GroupSnapshot[]>();
  for (const level of levels) for (const g of level.groups) byName.set(g.name, [...(byName.get(g.name) ?? []), g]);
  return [...byName.values()].map(mergeGroup);
};

/**
 * A snapshot whose top-level figures are summed over the stream's priority levels (unchanged
 * for a stream without levels): length, entries added, delayed, and per group pending, lag and
 * entries read; the first and last IDs are the oldest and newest of any level.
 */
export function combineLevels(snapshot: StreamSnapshot): StreamSnapshot {
  const levels = snapshot.priorities;
  if (levels === undefined || levels.length === 0) return snapshot;
  // The default level first, so the groups keep the stream's own order.
  const ordered = [...levels].sort((a, b) => Number(b.stream === snapshot.stream) - Number(a.stream === snapshot.stream));
  const existing = ordered.filter((l) => l.exists);
  return {
    ...snapshot,
    exists: existing.length > 0,
    length: levels.reduce((s, l) => s + l.length, 0),
    entriesAdded: sumKnown(existing.map((l) => l.entriesAdded)),
    firstId: minId(levels.map((l) => l.firstId)),
    lastId: maxId(levels.map((l) => l.lastId)),
    groups: mergeGroups(ordered),
    delayed: levels.reduce((s, l) => s + l.delayed, 0),
  };
}
