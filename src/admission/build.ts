/**
 * Which admission gates a consumer gets, in their fixed order: paused group → per-key concurrency
 * → rate limit (group, then key). The one place a new gate is added.
 */
import type { Connection } from '../connection.js';
import { gateKeys, type StreamKeys } from '../keys.js';
import type { Metrics } from '../metrics.js';
import type { ResolvedConsumerOptions } from '../consumer/options.js';
import { Admission } from './admission.js';
import type { AdmissionGate } from './gate.js';
import { KeyConcurrencyGate } from './key-concurrency-gate.js';
import { PauseGate } from './pause-gate.js';
import { RateLimitGate } from './rate-limit-gate.js';

/** What gates are built from. */
export interface GateContext {
  /** The consumer's options (group, name, visibility timeout, `pausePollMs` and each gate's own options). */
  options: ResolvedConsumerOptions<unknown>;
  connection: Connection;
  keys: StreamKeys;
  metrics: Metrics;
  onError(error: Error): void;
}

/** The gates of one consumer, and the pause gate (always there: any group can be paused by an operator). */
export interface Gates {
  admission: Admission;
  pause: PauseGate;
}

/** Builds the gates of one consumer. */
export function buildGates(context: GateContext): Gates {
  const { options, connection, metrics, onError } = context;
  const pause = new PauseGate({
    connection, keys: context.keys, group: options.group, pollMs: options.pausePollMs, onError,
  });
  const gates: AdmissionGate[] = [pause];
  const keys = gateKeys(options.limitScope, options.group);
  if (options.groupBy !== undefined) {
    gates.push(new KeyConcurrencyGate({
      connection, keys, groupBy: options.groupBy, limit: options.perKeyConcurrency, ttlMs: options.visibilityTimeoutMs,
      consumer: options.name, renew: options.handler !== undefined || options.batchHandler !== undefined, metrics, onError,
    }));
  }
  if (options.rateLimit !== undefined) {
    gates.push(new RateLimitGate({ connection, keys, limits: options.rateLimit, consumer: options.name, metrics, onError }));
  }
  return { admission: new Admission(gates), pause };
}
