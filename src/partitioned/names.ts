/**
 * Partition names and the key → partition hash. A partitioned stream `orders` with N partitions
 * is N ordinary streams `orders:0 … orders:N-1`; with plain names they hash to different Redis
 * Cluster slots, so they spread over the shards. (A name with a `{tag}` pins every partition to
 * the tag's slot: fine on one server, but it defeats the spreading on a cluster.)
 */
import { InvalidOptionError } from '../errors.js';
import { hashTag } from '../keys.js';
import { expectInteger, expectName } from '../validate.js';

/** Most partitions one partitioned stream may have. */
export const MAX_PARTITIONS = 4096;

/** The stream name of partition `index` of `stream`: `${stream}:${index}`. */
export function partitionStream(stream: string, index: number): string {
  return `${stream}:${index}`;
}

/** The stream names of all `partitions` partitions of `stream`, in order. */
export function partitionStreams(stream: string, partitions: number): string[] {
  return Array.from({ length: partitions }, (_unused, index) => partitionStream(stream, index));
}

/**
 * FNV-1a (32 bit) of the key's UTF-8 bytes: stable across processes, versions and languages, so
 * any producer puts a key in the same partition.
 */
export function fnv1a32(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The partition of `key` among `partitions`: `fnv1a32(key) % partitions`. */
export function partitionOf(key: string, partitions: number): number {
  if (typeof key !== 'string') throw new InvalidOptionError(`Expected the partition \`key\` to be a string, got ${typeof key}`);
  return fnv1a32(key) % partitions;
}

/** Validates the `stream` and `partitions` options of a partitioned producer or consumer. */
export function validatePartitioning(stream: unknown, partitions: unknown): { stream: string; partitions: number } {
  const name = expectName('stream', stream);
  const count = expectInteger('partitions', partitions, 1, MAX_PARTITIONS);
  return { stream: name, partitions: count };
}

/** Whether the partitions of `stream` all share one cluster slot (its name has a hash tag). */
export function partitionsShareSlot(stream: string): boolean {
  return hashTag(stream) !== undefined;
}
