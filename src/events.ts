/**
 * The events each streamq class emits, with their arguments: `consumer.on('warning', (message,
 * context) => …)` is typed, and an event name that does not exist is a compile error. Node's
 * `EventEmitter<T>` (@types/node ≥ 20.11) checks names and listeners against these maps.
 */

/** What a `deadLetter` event says: the entry moved to the dead letters, and why. */
export interface DeadLetterEvent {
  /** The entry's ID in its stream. */
  id: string;
  /** Why it was dead-lettered: the handler's error, "delivered N times…", a decode error. */
  reason: string;
}

/** Events of a {@link Consumer}. */
export interface ConsumerEvents {
  /** Redis trouble while running (the consumer keeps going), or a failed start in the background. */
  error: [error: Error];
  /** Something worth knowing that is not an error (a group recreated, leases lost), with context. */
  warning: [message: string, context?: Record<string, unknown>];
  /** A message was moved to the dead letters. */
  deadLetter: [info: DeadLetterEvent];
}

/** Events of a {@link Producer}. */
export interface ProducerEvents {
  /** Redis trouble in the background (reconnecting, a failed retention trim or delayed-message promotion). */
  error: [error: Error];
}
