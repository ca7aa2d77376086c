/**
 * Which admission gates a consumer gets, in their fixed order: paused group → per-key concurrency
 * → rate limit (group, then key). The one place a new gate is added.
 */
import type { Connection } from '../connection.js';
import type { StreamKeys } from '../keys.js';
import type { Metrics } from '../metrics.js';
import type { ResolvedConsumerOptions } from '../consumer/options.js';
import { Admission } from './admission.js';
import type { AdmissionGate } from './gate.js';
import { PauseGate } from './pause-gate.js';

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
  const { options } = context;
  const pause = new PauseGate({
    connection: context.connection, keys: context.keys, group: options.group, pollMs: options.pausePollMs, onError: context.onError,
  });
  const gates: AdmissionGate[] = [pause];
  return { admission: new Admission(gates), pause };
}
