/**
 * Emitting errors safely: an EventEmitter throws when 'error' has no listener, which would turn
 * a transient Redis error into a crash. streamq emits it only when someone listens, and logs it
 * otherwise, so errors are never swallowed and never crash the process.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from './logger.js';

/** Emits `error` if someone listens to it, logs it otherwise. */
export function emitError(emitter: EventEmitter, logger: Logger, error: Error): void {
  if (emitter.listenerCount('error') > 0) emitter.emit('error', error);
  else logger.error(error.message, { code: (error as { code?: string }).code });
}

/** Emits `warning` with a message, and logs it. */
export function emitWarning(emitter: EventEmitter, logger: Logger, message: string, context?: Record<string, unknown>): void {
  logger.warn(message, context);
  emitter.emit('warning', message, context);
}
