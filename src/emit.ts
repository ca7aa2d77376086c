/**
 * Emitting errors safely: an EventEmitter throws when 'error' has no listener, which would turn
 * a transient Redis error into a crash. streamq emits it only when someone listens, and logs it
 * otherwise, so errors are never swallowed and never crash the process.
 */
import type { Logger } from './logger.js';

/** An emitter with an `error` event (whatever its other events). */
export interface ErrorEmitter {
  listenerCount(eventName: 'error'): number;
  emit(eventName: 'error', error: Error): boolean;
}

/** An emitter with a `warning` event carrying a message and its context. */
export interface WarningEmitter {
  emit(eventName: 'warning', message: string, context?: Record<string, unknown>): boolean;
}

/** Emits `error` if someone listens to it, logs it otherwise. */
export function emitError(emitter: ErrorEmitter, logger: Logger, error: Error): void {
  if (emitter.listenerCount('error') > 0) emitter.emit('error', error);
  else logger.error(error.message, { code: (error as { code?: string }).code });
}

/** Emits `warning` with a message, and logs it. */
export function emitWarning(emitter: WarningEmitter, logger: Logger, message: string, context?: Record<string, unknown>): void {
  logger.warn(message, context);
  emitter.emit('warning', message, context);
}
