/**
 * Key names. The stream key is the user's name verbatim, so any Redis client can produce to it
 * or read it. Every auxiliary key of a stream (dead letters, delayed set, dedup keys) hashes to
 * the stream's own Redis Cluster slot, so each Lua script touches one slot:
 *
 * - `orders` (no braces)            → `{orders}:dead`
 * - `{tenant1}.orders` (a hash tag) → `{tenant1}.orders::dead` (same tag, so the same slot; the
 *   double colon keeps it apart from the aux keys of a stream named `tenant1`)
 * - `a}b` (braces, but no hash tag) → `{~K}:a}b::dead`, where `K` is a short tag found to hash to
 *   the same slot as `a}b`.
 */

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster uses for slots. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ byte) & 0xff] as number);
  return crc;
}

/** The hash tag Redis Cluster would use for `key`, or `undefined` when the whole key is hashed. */
export function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open === -1) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

/** The Redis Cluster slot (0–16383) of `key`, computed like `CLUSTER KEYSLOT`. */
export function keySlot(key: string): number {
  const hashed = hashTag(key) ?? key;
  return crc16(Buffer.from(hashed, 'utf8')) % 16384;
}

const slotTagCache = new Map<number, string>();

/** A short tag (`~N`) whose slot is `slot`: found once by search, then cached. */
function tagForSlot(slot: number): string {
  const cached = slotTagCache.get(slot);
  if (cached !== undefined) return cached;
  for (let n = 0; ; n++) {
    const tag = `~${n.toString(36)}`;
    if (keySlot(tag) === slot) {
      slotTagCache.set(slot, tag);
      return tag;
    }
  }
}

/** The name of an auxiliary key of `stream`, in the same cluster slot as `stream`. */
export function auxKey(stream: string, suffix: string): string {
  if (hashTag(stream) !== undefined) return `${stream}::${suffix}`;
  if (!stream.includes('{') && !stream.includes('}')) return `{${stream}}:${suffix}`;
  return `{${tagForSlot(keySlot(stream))}}:${stream}::${suffix}`;
}

/** The auxiliary key names of one stream. */
export interface StreamKeys {
  /** The stream itself: the user's name, verbatim. */
  readonly stream: string;
  /** The dead-letter stream. */
  readonly dead: string;
  /** The sorted set of delayed messages (score: due time in ms). */
  readonly delayed: string;
  /** Prefix of the deduplication keys (`prefix + dedupKey`). */
  readonly dedupPrefix: string;
  /** Hash of paused consumer groups (field: group, value: until when, on Redis's clock). */
  readonly paused: string;
}

/** All key names of `stream`. */
export function streamKeys(stream: string): StreamKeys {
  return {
    stream,
    dead: auxKey(stream, 'dead'),
    delayed: auxKey(stream, 'delayed'),
    dedupPrefix: auxKey(stream, 'dedup:'),
    paused: auxKey(stream, 'paused'),
  };
}

/**
 * The key names of the admission gates' shared state for one consumer group (rate budgets, per-key
 * concurrency slots), all in the cluster slot of `scope`: the stream's name by default, the
 * partitioned stream's name for a PartitionedConsumer (so its limits span every partition). The
 * group's name is length-prefixed, so no group's keys can be mistaken for another's.
 */
export interface GateKeys {
  /** Hash: the limits consumers last configured (`rate`, `keyRate`, `keyConcurrency`), for Admin. */
  readonly config: string;
  /** Sorted set: the group's rate-limit log (member: a start's token, score: when, on Redis's clock). */
  readonly rate: string;
  /** Sorted set: keys with starts in their rate window (member: the key, score: its last start). */
  readonly rateKeys: string;
  /** Sorted set: per-key concurrency keys holding slots (member: the key, score: the latest slot expiry). */
  readonly slotKeys: string;
  /** The rate-limit log of one key (like {@link GateKeys.rate}). */
  rateOf(key: string): string;
  /** The running slots of one key (member: the holder, score: when the slot expires, on Redis's clock). */
  slotsOf(key: string): string;
}

/** The gate state key names of `group` in `scope` (see {@link GateKeys}). */
export function gateKeys(scope: string, group: string): GateKeys {
  const prefix = `gates:${group.length}:${group}:`;
  const key = (suffix: string): string => auxKey(scope, prefix + suffix);
  return {
    config: key('config'),
    rate: key('rate'),
    rateKeys: key('rate-keys'),
    slotKeys: key('slot-keys'),
    rateOf: (k) => key(`rate:${k}`),
    slotsOf: (k) => key(`slots:${k}`),
  };
}

/** The key names of a stream's schedules (see src/scheduler/), all in the stream's cluster slot. */
export interface ScheduleKeys {
  /** The stream the ticks are appended to. */
  readonly stream: string;
  /** Hash: schedule name → definition JSON (spec, payload, headers, missed policy). */
  readonly definitions: string;
  /** Hash: schedule name → revision (a hash of the definition), compared by every claim. */
  readonly revisions: string;
  /** Sorted set: schedule name → next due time in ms (the tick the next claim must name). */
  readonly next: string;
  /** Hash: schedule name → "<last sent tick ms> <its entry ID>". */
  readonly last: string;
}

/** The schedule key names of `stream`. */
export function scheduleKeys(stream: string): ScheduleKeys {
  return {
    stream,
    definitions: auxKey(stream, 'schedules'),
    revisions: auxKey(stream, 'schedules:rev'),
    next: auxKey(stream, 'schedules:next'),
    last: auxKey(stream, 'schedules:last'),
  };
}

const AUX_SUFFIXES = ['dead', 'delayed'];

/**
 * The stream whose auxiliary stream `key` would be (`{orders}:dead` → `orders`), checked by
 * rebuilding the name; `undefined` when `key` is no auxiliary key of any stream.
 */
export function auxBaseOf(key: string): string | undefined {
  // A priority level's stream (`{orders}:priority:high`) belongs to its stream too.
  const plainLevel = /^\{[^{}]+\}:(priority:.+)$/s.exec(key)?.[1];
  const taggedLevel = key.lastIndexOf('::priority:') === -1 ? undefined : key.slice(key.lastIndexOf('::priority:') + 2);
  const suffixes = [...AUX_SUFFIXES, ...[plainLevel, taggedLevel].filter((s): s is string => s !== undefined)];
  for (const suffix of suffixes) {
    const candidates: string[] = [];
    if (key.endsWith(`::${suffix}`)) {
      const rest = key.slice(0, -(suffix.length + 2));
      // `{~K}:name::dead` belongs to `name` (a brace name without a tag) before `{~K}:name`.
      const untagged = /^\{~[0-9a-z]+\}:(.*)$/s.exec(rest);
      if (untagged) candidates.push(untagged[1] as string);
      candidates.push(rest);
    }
    const plain = /^\{([^{}]+)\}:(.*)$/s.exec(key);
    if (plain && plain[2] === suffix) candidates.push(plain[1] as string);
    const base = candidates.find((candidate) => candidate.length > 0 && auxKey(candidate, suffix) === key);
    if (base !== undefined) return base;
  }
  return undefined;
}
