/**
 * streamq: reliable message queues on Redis Streams with consumer groups.
 * Public exports only.
 */
export { Producer, DELAYED_ID_PREFIX } from './producer.js';
export type { ProducerOptions, SendOptions, SendManyOptions, WaitForReplicas } from './producer.js';
export { ReplicationError } from './producer.js';
export { Consumer } from './consumer/consumer.js';
export type { CloseOptions } from './consumer/consumer.js';
export type {
  ConsumerOptions, ConsumerBaseOptions, HandlerOption, BatchHandlerOption, StartAt, MessageHandler, BatchHandler,
} from './consumer/options.js';
export type { RateLimit, MessageKey } from './admission/limits.js';
export { Message } from './consumer/message.js';
export { Admin } from './admin.js';
export type { AdminOptions, DeadLetterSelection } from './admin.js';
export type {
  LevelStats, StreamStats, GroupStats, ConsumerInfo, PendingEntry, StreamEntry, DeadLetter, DeleteConsumerResult, RateLimitState,
  KeyConcurrencyState, KeySlotHolder,
} from './admin-types.js';
export type { PriorityMode } from './priorities.js';
export { DEFAULT_LEVEL } from './priorities.js';
export type { StreamSnapshot, GroupSnapshot } from './admin-overview.js';
export type { DelayedMessage, DelayedPage } from './admin-delayed.js';
export type { DeadLetterQuery, DeadLetterSearchPage } from './admin-search.js';
export type { ServerInfo } from './admin-server.js';
export type { DeadLetterOutcome } from './scripts/index.js';
export type { RedisOption, AnyRedisClient, AnyRedisCluster, AnyRedisSentinel, RedisClusterClient } from './connection.js';
export { maskUrl, parseRedisUrl } from './connection.js';
export { exponentialBackoff, fixedBackoff, EXPONENTIAL_BACKOFF_DEFAULTS } from './backoff.js';
export type { BackoffPolicy, ExponentialBackoffOptions } from './backoff.js';
export type { Headers } from './codec.js';
export type { RetentionOptions } from './retention.js';
export { Metrics, MetricsRegistry, defaultRegistry } from './metrics.js';
export type { MetricsSnapshot, CounterValues } from './metrics.js';
export { consoleLogger, silentLogger } from './logger.js';
export type { Logger, LogLevel } from './logger.js';
export { streamKeys, scheduleKeys, gateKeys, keySlot, hashTag } from './keys.js';
export type { StreamKeys, ScheduleKeys, GateKeys } from './keys.js';
export {
  StreamqError, InvalidOptionError, EncodeError, DecodeError, PayloadTooLargeError, ConnectionError, AuthenticationError,
  WrongTypeError, RedisCommandError, ClosedError, TimeoutError, UnrecoverableError,
} from './errors.js';
export type { StreamqErrorCode, StreamqErrorOptions } from './errors.js';
export {
  PartitionedProducer, PartitionedConsumer, partitionOf, partitionStream, partitionStreams, fnv1a32, MAX_PARTITIONS,
} from './partitioned.js';
export type {
  PartitionedProducerOptions, PartitionedSendOptions, PartitionedSendManyOptions, PartitionedSendResult, PartitionedProducerEvents,
  PartitionedConsumerOptions,
  PartitioningOptions, PartitionedConsumerEvents, PartitionEvent,
} from './partitioned.js';
export type { ConsumerEvents, ProducerEvents, DeadLetterEvent } from './events.js';
export { Scheduler } from './scheduler/scheduler.js';
export type { SchedulerOptions } from './scheduler/options.js';
export type {
  ScheduleSpec, CronSpec, EverySpec, MissedPolicy, UpsertOptions, UpsertResult, ScheduleInfo, TickEvent,
} from './scheduler/types.js';
export { MAX_TICKS_PER_CLAIM } from './scheduler/types.js';
