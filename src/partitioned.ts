/**
 * Partitioned streams: one logical stream spread over N streams `name:0 … name:N-1`, which on
 * Redis Cluster land in different slots and so on different shards. A producer picks the
 * partition from a key (the same key, the same partition: order per key) or round robin; a
 * consumer runs one streamq Consumer per partition, and in ordered mode makes sure each
 * partition is consumed by one member at a time.
 */
export { PartitionedProducer } from './partitioned/producer.js';
export type {
  PartitionedProducerOptions, PartitionedSendOptions, PartitionedSendManyOptions, PartitionedSendResult, PartitionedProducerEvents,
} from './partitioned/producer.js';
export { PartitionedConsumer } from './partitioned/consumer.js';
export type { PartitionedConsumerOptions, PartitioningOptions, PartitionedConsumerEvents, PartitionEvent } from './partitioned/consumer.js';
export { partitionOf, partitionStream, partitionStreams, fnv1a32, MAX_PARTITIONS } from './partitioned/names.js';
export { assignedPartitions, leaseKey, membersKey } from './partitioned/ownership.js';
